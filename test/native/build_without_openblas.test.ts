/**
 * The addon builds where pkg-config finds no OpenBLAS (as on a machine without libopenblas-dev): into a
 * copy of native/ under a temporary directory, so the main build stays. It multiplies with handgrad's
 * own sgemm, links no BLAS library, and trains to the losses and parameters of an OpenBLAS build
 * (the main build when it links OpenBLAS, else one built beside it; the cpu backend where no OpenBLAS
 * is installed at all). HANDGRAD_NATIVE_BLAS=openblas on such a machine fails in one line.
 */
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddonFrom, loadNativeAddon } from '../../native/addon.js';
import { type CliRun, runNode } from '../helpers/tsx_cli.js';
import { NATIVE_MISSING, SKIP_REASON, expectMatmulSplitInvariant, maxRelError } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TRAIN_STEPS = fileURLToPath(new URL('./fixtures/train_steps.ts', import.meta.url));
const ADDON_IN_BUILD = join('native', 'build', 'Release', 'handgrad_native.node');

const OPENBLAS_INSTALLED = spawnSync('pkg-config', ['--exists', 'openblas']).status === 0;
const MAIN_LINKS_OPENBLAS = !NATIVE_MISSING && loadNativeAddon().gemmImplementation().startsWith('OpenBLAS');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return runNode(args, { cwd: REPO, env });
}

const workDir = mkdtempSync(join(tmpdir(), 'handgrad-native-build-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** An environment whose pkg-config finds no OpenBLAS (nor anything else). */
function withoutOpenBlas(): NodeJS.ProcessEnv {
  const empty = join(workDir, 'no-pkg-config');
  mkdirSync(empty, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' };
  delete env.HANDGRAD_NATIVE_BLAS;
  return env;
}

/** Copies native/'s build inputs to workDir/name/native and builds there; node-addon-api resolves from the repository. */
function build(name: string, env: NodeJS.ProcessEnv): Promise<CliRun & { addon: string }> {
  const root = join(workDir, name);
  for (const entry of ['binding.gyp', 'build.mjs', 'src']) cpSync(join(REPO, 'native', entry), join(root, 'native', entry), { recursive: true });
  const buildEnv = { ...env, NODE_PATH: join(REPO, 'node_modules'), HANDGRAD_REQUIRE_NATIVE: '1' };
  return run([join(root, 'native', 'build.mjs')], buildEnv).then((result) => ({ ...result, addon: join(root, ADDON_IN_BUILD) }));
}

interface Trained {
  gemm: string;
  losses: number[];
  params: number[][];
  termScale: number[][];
}

async function train(backend: 'native' | 'cpu', addon?: string): Promise<Trained> {
  const env = { ...process.env };
  if (addon === undefined) delete env.HANDGRAD_NATIVE_ADDON;
  else env.HANDGRAD_NATIVE_ADDON = addon;
  const result = await run(['--import', 'tsx', TRAIN_STEPS, backend], env);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Trained;
}

const REFERENCE = MAIN_LINKS_OPENBLAS ? 'the main OpenBLAS build' : OPENBLAS_INSTALLED ? 'an OpenBLAS build beside it' : 'the cpu backend (no OpenBLAS installed)';

describe.skipIf(NATIVE_MISSING)(`the native addon without OpenBLAS${SKIP_REASON}`, () => {
  it('HANDGRAD_NATIVE_BLAS=openblas where pkg-config finds none: one line, exit 1 under HANDGRAD_REQUIRE_NATIVE=1, nothing built', async () => {
    const result = await build('asks-for-openblas', { ...withoutOpenBlas(), HANDGRAD_NATIVE_BLAS: 'openblas' });
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toMatch(/^handgrad: native backend not built: HANDGRAD_NATIVE_BLAS=openblas but pkg-config finds no OpenBLAS\. To build it: [^\n]*$/);
    expect(existsSync(result.addon)).toBe(false);
  });

  it(`builds with handgrad's sgemm, links no BLAS, and trains to the losses of ${REFERENCE}`, { timeout: 600_000 }, async () => {
    const [own, openblas] = await Promise.all([
      build('without-openblas', withoutOpenBlas()),
      !MAIN_LINKS_OPENBLAS && OPENBLAS_INSTALLED ? build('with-openblas', { ...process.env, HANDGRAD_NATIVE_BLAS: 'openblas' }) : Promise.resolve(null),
    ]);
    expect(own.status, own.stdout + own.stderr).toBe(0);
    expect(own.stdout).toMatch(/matrix products: handgrad sgemm \((avx512|avx2|generic) kernel\)/);
    const linked = spawnSync('ldd', [own.addon], { encoding: 'utf8' });
    if (linked.status === 0) expect(linked.stdout).not.toMatch(/blas/i);
    // Loaded beside the main build: its matmul gives the same bits on any number of threads.
    expectMatmulSplitInvariant(loadAddonFrom(own.addon));

    let reference: Trained;
    if (MAIN_LINKS_OPENBLAS) reference = await train('native');
    else if (openblas !== null) {
      expect(openblas.status, openblas.stdout + openblas.stderr).toBe(0);
      reference = await train('native', openblas.addon);
    } else reference = await train('cpu');
    const ours = await train('native', own.addon);

    expect(ours.gemm).toMatch(/^handgrad sgemm/);
    if (reference.gemm !== 'cpu') expect(reference.gemm).toMatch(/^OpenBLAS/);
    expect(maxRelError(Float32Array.from(ours.losses), Float32Array.from(reference.losses))).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    expect(ours.losses[ours.losses.length - 1]).toBeLessThan(ours.losses[0]);
    ours.params.forEach((p, i) => {
      const error = maxRelError(Float32Array.from(p), Float32Array.from(reference.params[i]), Float32Array.from(reference.termScale[i]));
      expect(error, `parameter ${i}`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    });
  });
});

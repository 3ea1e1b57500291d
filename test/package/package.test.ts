/**
 * handgrad as a user gets it. `npm pack` (whose prepack builds dist/) runs on a copy of this checkout,
 * so the checkout's own dist/ is never rebuilt under the other tests; the tarball is installed once
 * into a fresh project (npm's cache, --prefer-offline), and there: publint and attw on the tarball,
 * a plain .mjs (test/package/project/node_user.mjs), a strict TypeScript project against the shipped
 * .d.ts, `npx handgrad train`, `npx handgrad setup tfjs-node` from a TensorFlow wheel then training on
 * it (where HANDGRAD_TF_WHEEL_DIR has one), and a Vite page running ManualSoftmax on webgl in headless Chromium.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBackend } from '../../src/backends.js';
import { launchChromium } from '../../src/browser/chromium.js';
import { servePage } from '../../src/browser/server.js';
import { backendAvailability, chromiumAvailability, tensorflowWheel as findTensorflowWheel } from '../helpers/requirements.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./project/', import.meta.url));
const chromium = chromiumAvailability();
const nativeProbe = await probeBackend('native');
const tensorflowWheel = findTensorflowWheel();
backendAvailability(nativeProbe); // fails the file where HANDGRAD_REQUIRE_NATIVE=1 and the addon is missing

type Row = { name: string; kind: string; maxRelErr: number; tol: number; pass: boolean; checked: number; total: number };
type NodeUserReport = {
  backends: { backend: string; kernelRegistered: boolean; loss: number; expectedLoss: number; maxGradError: number }[];
  gradcheckRows: Row[];
  wrongRows: Row[];
  idx: { shape: number[]; last: number };
  epoch: { epoch: number; trainLoss: number; validAcc: number };
  gradShapes: number[][];
  native: { ok: true; backend: string; rowSum: number; p0: number } | { ok: false; reason: string };
};

let work: string;
let project: string;
let tarball: string;

function run(command: string, args: string[], cwd: string, timeout = 300_000, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, NODE_OPTIONS: '', ...env } });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The checkout's files (tracked and new, not ignored), copied; node_modules linked, so prepack can build. */
function copyCheckout(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(REPO, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(to, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/** The exact installed version of one of this checkout's packages (so npm finds it in its cache). */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'handgrad-package-'));
  const checkout = join(work, 'checkout');
  copyCheckout(checkout);
  const packed = ok(run('npm', ['pack', '--silent', '--pack-destination', work], checkout), 'npm pack').trim().split('\n').at(-1) ?? '';
  tarball = join(work, packed);
  expect(existsSync(tarball), `npm pack made ${tarball}`).toBe(true);

  project = join(work, 'project');
  cpSync(FIXTURES, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'handgrad-user', private: true, type: 'module' }, null, 2)}\n`);
  const peers = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'typescript', 'vite', '@types/node'].map((name) => `${name}@${installedVersion(name)}`);
  ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...peers], project, 540_000), 'npm install of the tarball');
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist/ (JS, .d.ts, source maps), the bin, the native sources and the page, and no TypeScript sources or tests', () => {
    const listing = ok(run('tar', ['-tzf', tarball], work), 'tar').split('\n').filter(Boolean);
    for (const file of ['dist/custom-ops/index.js', 'dist/custom-ops/index.d.ts', 'dist/custom-ops/index.js.map', 'dist/gradcheck/index.js', 'dist/native/browser.js', 'dist/src/cli/train.js', 'dist/web/index.html', 'bin/handgrad.mjs', 'native/binding.gyp', 'native/build.mjs', 'native/src/addon.cc', 'bench/numpy_reference.py', 'LICENSE', 'README.md']) {
      expect(listing, file).toContain(`package/${file}`);
    }
    expect(listing.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/test/') || f.includes('/native/build/'))).toEqual([]);
  });

  it('passes publint --strict and attw (ESM-only profile: node16 from ESM and bundler resolution)', () => {
    const bin = (name: string): string => join(REPO, 'node_modules', '.bin', name);
    const publint = run(bin('publint'), ['run', tarball, '--strict'], work);
    expect(publint.status, publint.stdout + publint.stderr).toBe(0);
    const attw = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], work);
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
    expect(attw.stdout).toMatch(/"handgrad\/native"/);
  });
});

describe('installed in a fresh project', () => {
  it('a plain .mjs: registerCustomOps, manualSoftmaxCrossEntropy and tf.grad on cpu and wasm; gradcheck on its own op; model, train, data, native', () => {
    const report = JSON.parse(ok(run(process.execPath, ['node_user.mjs'], project), 'node node_user.mjs').trim().split('\n').at(-1) ?? '') as NodeUserReport;
    expect(report.backends.map((b) => b.backend)).toEqual(['cpu', 'wasm']);
    for (const b of report.backends) {
      expect(b.kernelRegistered, b.backend).toBe(true);
      expect(Math.abs(b.loss - b.expectedLoss) / b.expectedLoss, `${b.backend} loss vs tf.losses`).toBeLessThanOrEqual(1e-5);
      // (p − y)/N against tfjs's softmax: fp32 vs fp32 on values of size ≤ 1/N.
      expect(b.maxGradError, `${b.backend} gradient vs (softmax − y)/N`).toBeLessThanOrEqual(1e-6);
    }
    expect(report.gradcheckRows.map((r) => [r.name, r.pass])).toEqual([
      ['softplus', true],
      ['softplus ∂/∂x', true],
    ]);
    // A gradient 1 % off must fail the check (its forward row is still right).
    expect(report.wrongRows.map((r) => [r.name, r.pass])).toEqual([
      ['softplus-wrong', true],
      ['softplus-wrong ∂/∂x', false],
    ]);
    expect(report.wrongRows[1].maxRelErr).toBeGreaterThan(5e-3);
    expect(report.idx).toEqual({ shape: [2, 2, 2], last: 8 });
    expect(report.epoch.epoch).toBe(1);
    expect(report.epoch.validAcc).toBeGreaterThan(0.5);
    expect(report.gradShapes).toEqual([
      [4, 3],
      [3, 2],
    ]);
    if (nativeProbe.available) {
      expect(report.native).toMatchObject({ ok: true, backend: 'native' });
      if (report.native.ok) expect(Math.abs(report.native.rowSum - 1)).toBeLessThan(1e-6);
    } else {
      expect(report.native).toMatchObject({ ok: false });
    }
  });

  it('a strict TypeScript project (nodenext; and bundler resolution) type-checks against the shipped .d.ts', () => {
    const tsc = join(project, 'node_modules', '.bin', 'tsc');
    // Declarations checked too (--skipLibCheck false). tfjs's own do not pass a strict check, so
    // errors there are tfjs's; none may come from handgrad's declarations or from the user's file.
    const node = run(tsc, ['-p', 'tsconfig.json', '--skipLibCheck', 'false'], project);
    const errors = node.stdout.split('\n').filter((line) => / error TS\d+/.test(line));
    expect(errors.filter((line) => !line.startsWith('node_modules/@tensorflow/'))).toEqual([]);
    const bundler = run(tsc, ['-p', 'tsconfig.bundler.json'], project);
    expect(bundler.status, bundler.stdout + bundler.stderr).toBe(0);
    // The checks can fail: a wrong type is reported against the shipped declarations.
    writeFileSync(join(project, 'wrong.ts'), "import { manualRelu } from 'handgrad';\nexport const n: number = manualRelu([1, 2]);\n");
    const wrong = run(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--skipLibCheck', 'wrong.ts'], project);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.ts\(2,14\): error TS2322/);
  });

  it('`npx handgrad train --epochs 1 --train-size 2000` trains and writes its run folder', () => {
    // --backend auto measures the backends that load and takes the fastest: its measurements land in this cache.
    const cacheHome = join(project, '.cache');
    const result = run('npx', ['--no-install', 'handgrad', 'train', '--epochs', '1', '--train-size', '2000', '--out', 'run'], project, 300_000, { XDG_CACHE_HOME: cacheHome });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^epoch 1\/1 {2}train loss \d/m);
    const summary = JSON.parse(readFileSync(join(project, 'run', 'summary.json'), 'utf8')) as { epochs: number; finalTestAcc: number; backend: string };
    expect(summary.epochs).toBe(1);
    expect(summary.finalTestAcc).toBeGreaterThan(0.7);
    const measured = (JSON.parse(readFileSync(join(cacheHome, 'handgrad', 'auto-backend.json'), 'utf8')) as { timings: { name: string; msPerStep: number }[] }).timings;
    expect(measured.map((t) => t.name).sort()).toEqual((nativeProbe.available ? ['cpu', 'native', 'wasm'] : ['cpu', 'wasm']).sort());
    const fastest = measured.reduce((best, t) => (t.msPerStep < best.msPerStep ? t : best));
    expect(summary.backend).toBe(fastest.name);
    expect(readdirSync(join(project, 'run'))).toEqual(expect.arrayContaining(['config.json', 'metrics.csv', 'learning-curve.svg', 'checkpoints']));
    const version = run('npx', ['--no-install', 'handgrad', '--version'], project);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
  });

  describe.skipIf(!tensorflowWheel.available)(`the tensorflow backend there${tensorflowWheel.skipNote}`, () => {
    it('`npx handgrad setup tfjs-node --wheel` builds tfjs-node, and `npx handgrad train --backend tensorflow` trains on it', () => {
      const setup = run('npx', ['--no-install', 'handgrad', 'setup', 'tfjs-node', '--wheel', tensorflowWheel.wheel], project, 900_000);
      expect(setup.status, setup.stderr).toBe(0);
      expect(setup.stdout).toMatch(new RegExp(`now runs TensorFlow ${tensorflowWheel.version.replace(/\./g, '\\.')} `));
      const train = run('npx', ['--no-install', 'handgrad', 'train', '--backend', 'tensorflow', '--epochs', '1', '--train-size', '2000', '--out', 'run-tensorflow'], project);
      expect(train.status, train.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(project, 'run-tensorflow', 'summary.json'), 'utf8')) as { epochs: number; finalTestAcc: number; backend: string };
      expect(summary.backend).toBe('tensorflow');
      expect(summary.epochs).toBe(1);
      expect(summary.finalTestAcc).toBeGreaterThan(0.7);
    }, 900_000);
  });

  describe.skipIf(!chromium.available)(`a Vite page that imports handgrad${chromium.skipNote}`, () => {
    it('builds without the addon, tfjs-node or Node built-ins in the bundle and runs ManualSoftmax on webgl in headless Chromium', async () => {
      const build = run(join(project, 'node_modules', '.bin', 'vite'), ['build', 'page', '--outDir', '../page-dist', '--emptyOutDir', '--logLevel', 'warn'], project);
      expect(build.status, build.stdout + build.stderr).toBe(0);
      const assets = join(project, 'page-dist', 'assets');
      const bundle = readdirSync(assets)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(assets, f), 'utf8'))
        .join('\n');
      expect(bundle).toContain('ManualSoftmax');
      for (const nodeOnly of ['handgrad_native', '@tensorflow/tfjs-node', 'createRequire', 'node:module', 'node:fs']) expect(bundle, nodeOnly).not.toContain(nodeOnly);

      const server = await servePage(join(project, 'page-dist'));
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(server.url);
        await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
        const result = await page.evaluate(() => (window as unknown as { result: unknown }).result);
        expect(result).toMatchObject({ backend: 'webgl', kernelOnWebgl: true });
        const { logits, values, nativeError } = result as { logits: number[][]; values: number[]; nativeError: string };
        const expected = logits.flatMap((row) => {
          const max = Math.max(...row);
          const e = row.map((z) => Math.exp(z - max));
          const sum = e.reduce((a, b) => a + b, 0);
          return e.map((v) => v / sum);
        });
        expect(values).toHaveLength(expected.length);
        // fp32 on the GPU vs float64: 1e-5 relative (|a−b|/max(|a|,|b|,1e-6)), far below any softmax bug.
        values.forEach((v, i) => expect(Math.abs(v - expected[i]) / Math.max(Math.abs(v), Math.abs(expected[i]), 1e-6), `element ${i}`).toBeLessThanOrEqual(1e-5));
        expect(nativeError).toMatch(/runs only in Node/);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  });
});

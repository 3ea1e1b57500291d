/**
 * The native backend's other build, so the bench shows both: where the addon links OpenBLAS, a copy of
 * native/ is built beside it with HANDGRAD_NATIVE_BLAS=none (handgrad's own sgemm, what a machine without
 * OpenBLAS gets) into a temporary folder; the job runs on it through HANDGRAD_NATIVE_ADDON.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '../native/addon.js';

export type OtherNativeBuild = { label: string; addon: string; remove: () => void };

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The own-sgemm build when the addon links OpenBLAS; otherwise null and why (one line). */
export function buildOwnSgemmBeside(): OtherNativeBuild | { reason: string } {
  let gemm: string;
  try {
    gemm = loadNativeAddon().gemmImplementation();
  } catch (error) {
    return { reason: `the native addon does not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  if (!gemm.startsWith('OpenBLAS')) return { reason: `the addon already runs ${gemm}; an OpenBLAS build needs libopenblas-dev` };
  const root = mkdtempSync(join(tmpdir(), 'handgrad-bench-sgemm-'));
  const remove = (): void => rmSync(root, { recursive: true, force: true });
  for (const entry of ['binding.gyp', 'build.mjs', 'src']) cpSync(join(REPO, 'native', entry), join(root, 'native', entry), { recursive: true });
  const env = { ...process.env, HANDGRAD_NATIVE_BLAS: 'none', HANDGRAD_REQUIRE_NATIVE: '1', NODE_PATH: join(REPO, 'node_modules') };
  const built = spawnSync(process.execPath, [join(root, 'native', 'build.mjs')], { env, encoding: 'utf8' });
  if (built.status !== 0) {
    remove();
    return { reason: `building it with HANDGRAD_NATIVE_BLAS=none failed (${(built.stderr || built.stdout).trim().split('\n').at(-1) ?? ''})` };
  }
  return { label: 'sgemm', addon: join(root, 'native', 'build', 'Release', 'handgrad_native.node'), remove };
}

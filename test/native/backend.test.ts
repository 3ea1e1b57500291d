/** The native backend's registration, the addon's own argument checks, and the build script's failure path. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES } from '../../custom-ops/kernel_names.js';
import { useBackend } from '../../src/backends.js';
import { NATIVE_INSTALL_HINT, loadAddonFrom, loadNativeAddon } from '../../native/addon.js';
import { NATIVE_MISSING, SKIP_REASON } from './helpers.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../../native/build.mjs', import.meta.url));

describe('native addon loading and build script (no addon needed)', () => {
  it('a missing addon gives one line that says what to install and how to build', () => {
    expect(() => loadAddonFrom('/nonexistent/handgrad_native.node')).toThrow(
      'native backend unavailable (the addon is not built); install a C++ compiler (apt-get install g++ make python3), then run `npm run build:native`',
    );
    expect(NATIVE_INSTALL_HINT).not.toContain('\n');
  });

  it('without a compiler, the build script prints one line and exits 0 (1 with HANDGRAD_REQUIRE_NATIVE=1), keeping any existing build', () => {
    const env = { ...process.env, PATH: '/nonexistent', CXX: '', HANDGRAD_REQUIRE_NATIVE: '' };
    const result = spawnSync(process.execPath, [BUILD_SCRIPT], { env, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^handgrad: native backend not built: missing a C\+\+ compiler \(g\+\+\), make, python3\. To build it: apt-get install g\+\+ make python3, then run `npm run build:native`\.$/);
    const strict = spawnSync(process.execPath, [BUILD_SCRIPT], { env: { ...env, HANDGRAD_REQUIRE_NATIVE: '1' }, encoding: 'utf8' });
    expect(strict.status).toBe(1);
  });

  it('HANDGRAD_SKIP_NATIVE=1 skips the build with one line: exit 0, or 1 where HANDGRAD_REQUIRE_NATIVE=1 asks for the addon', () => {
    const env = { ...process.env, HANDGRAD_SKIP_NATIVE: '1', HANDGRAD_REQUIRE_NATIVE: '' };
    const skipped = spawnSync(process.execPath, [BUILD_SCRIPT], { env, encoding: 'utf8' });
    expect(skipped.status).toBe(0);
    expect(skipped.stdout.trim()).toBe('handgrad: native backend build skipped (HANDGRAD_SKIP_NATIVE=1).');
    const strict = spawnSync(process.execPath, [BUILD_SCRIPT], { env: { ...env, HANDGRAD_REQUIRE_NATIVE: '1' }, encoding: 'utf8' });
    expect(strict.status).toBe(1);
  });
});

describe.skipIf(NATIVE_MISSING)(`native backend registration${SKIP_REASON}`, () => {
  it('useBackend("native") activates it, and registering again is harmless', async () => {
    expect(await useBackend('native')).toBe('native');
    expect(tf.getBackend()).toBe('native');
    const { registerNativeBackend } = await import('../../native/backend.js');
    expect(() => registerNativeBackend()).not.toThrow();
    expect(tf.getBackend()).toBe('native');
  });

  it('has every cpu kernel, native overrides for the hot ones, and native custom kernels', async () => {
    await useBackend('native');
    const native = new Map(tf.getKernelsForBackend('native').map((k) => [k.kernelName, k]));
    for (const cpu of tf.getKernelsForBackend('cpu')) expect(native.has(cpu.kernelName), cpu.kernelName).toBe(true);
    for (const name of ['BatchMatMul', '_FusedMatMul', 'Add', 'Sub', 'Multiply', 'Sum', 'Transpose', 'Relu', 'Step', ...CUSTOM_KERNEL_NAMES]) {
      expect(native.get(name)?.kernelFunc, name).not.toBe(tf.getKernel(name, 'cpu')?.kernelFunc);
    }
  });

  it('the addon rejects arrays that are too short or of the wrong type instead of reading past them', () => {
    const addon = loadNativeAddon();
    const small = new Float32Array(4);
    expect(() => addon.matmul(small, small, new Float32Array(9), 1, 3, 3, 2, false, false, 0, 0, null, false)).toThrow(/'a' is shorter/);
    expect(() => addon.matmul(new Float32Array(6), new Float32Array(6), new Float32Array(8), 1, 3, 3, 2, false, false, 0, 0, null, false)).toThrow(/'out' must hold/);
    expect(() => addon.binary(0, small, 0, new Float32Array(3), 0, small, 1, 4)).toThrow(/'b' does not match/);
    expect(() => addon.reluGrad(small, new Float32Array(3), small)).toThrow(/one length/);
    expect(() => addon.softmax(new Float32Array(5), new Float32Array(5), 2)).toThrow(/multiple of cols/);
    expect(() => addon.relu(new Float64Array(4) as unknown as Float32Array, small)).toThrow(/must be a Float32Array/);
    expect(() => addon.sumLeading(small, small, -1, 4)).toThrow(/non-negative integer/);
  });

  it('the addon rejects sizes whose product overflows 64 bits instead of letting a wrapped size pass the length checks', () => {
    const addon = loadNativeAddon();
    // (2^52 + 1)·4096 = 2^64 + 4096 wraps to 4096, the arrays' real length.
    const huge = 2 ** 52 + 1;
    const block = new Float32Array(4096);
    expect(() => addon.binary(0, block, 1, block, 1, new Float32Array(4096), huge, 4096)).toThrow(/binary: the sizes overflow/);
    expect(() => addon.sumLeading(block, new Float32Array(4096), huge, 4096)).toThrow(/sum: the sizes overflow/);
    expect(() => addon.transpose(block, new Float32Array(4096), huge, 64, 64)).toThrow(/transpose: the sizes overflow/);
    expect(() => addon.matmul(block, block, new Float32Array(4096), huge, 64, 64, 64, false, false, 0, 0, null, false)).toThrow(/matmul: the sizes overflow/);
    // (4097 − 1)·2^52 = 2^64 wraps to 0: strideA would pass as if 'a' held one matrix.
    expect(() => addon.matmul(block, block, new Float32Array(4096), 4097, 64, 64, 64, false, false, 2 ** 52, 0, null, false)).toThrow(/matmul: the sizes overflow/);
    expect(() => addon.setThreads(0, 1e6)).toThrow(/at most 256/);
    expect(block.every((v) => v === 0)).toBe(true);
  });

  it('the addon refuses an output that shares memory with an input (its kernels read while they write)', () => {
    const addon = loadNativeAddon();
    const buffer = new Float32Array(12);
    const x = buffer.subarray(0, 9);
    expect(() => addon.transpose(x, x, 1, 3, 3)).toThrow(/transpose: 'out' must not overlap an input/);
    expect(() => addon.matmul(x, new Float32Array(9), buffer.subarray(3, 12), 1, 3, 3, 3, false, false, 0, 0, null, false)).toThrow(/matmul: 'out' must not overlap/);
    expect(() => addon.matmul(new Float32Array(9), new Float32Array(9), x, 1, 3, 3, 3, false, false, 0, 0, x.subarray(0, 3), false)).toThrow(/matmul: 'out' must not overlap/);
    expect(() => addon.relu(x, x)).toThrow(/relu: 'out' must not overlap/);
    // Adjacent but disjoint views of one buffer are fine.
    const out = buffer.subarray(4, 8);
    addon.relu(Float32Array.of(-1, 2, -3, 4).slice(), out);
    addon.reluGrad(buffer.subarray(0, 4).fill(1), buffer.subarray(4, 8), buffer.subarray(8, 12));
    expect(Array.from(buffer)).toEqual([1, 1, 1, 1, 0, 2, 0, 4, 0, 1, 0, 1]);
  });

  it('reports its GEMM, BLAS and thread counts', () => {
    const info = loadNativeAddon().info();
    if (info.gemm.startsWith('OpenBLAS')) {
      expect(info.blasConfig).toMatch(/OpenBLAS/);
      expect(info.blasThreads).toBeGreaterThanOrEqual(1);
    } else {
      expect(info.gemm).toMatch(/^(handgrad sgemm \(\w+ kernel\)|Accelerate)$/);
      expect([info.blasCore, info.blasConfig, info.blasThreads]).toEqual(['none', 'none', 0]);
    }
    expect(info.workers).toBeGreaterThanOrEqual(1);
  });
});

/** Shared set-up for the native backend tests: whether the addon loads, and cpu-vs-native runs. */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { expect } from 'vitest';
import { probeBackend } from '../../src/backends.js';
import { loadNativeAddon, type NativeAddon } from '../../native/addon.js';
import { FP32_VS_FP32, maxRelativeError } from '../../gradcheck/tolerances.js';
import { backendAvailability } from '../helpers/requirements.js';

export const NATIVE_PROBE = await probeBackend('native');
const NATIVE = backendAvailability(NATIVE_PROBE);
export const NATIVE_MISSING = !NATIVE.available;
/** Title suffix for describe.skipIf, so a skipped run says why. */
export const SKIP_REASON = NATIVE.skipNote;

/** Deterministic N(0, 1)-ish float32 values. */
export function randomValues(size: number, seed: number, scale = 1): Float32Array {
  const rng = seedrandom(`native-test-${seed}`);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = scale * (rng() + rng() + rng() - 1.5) * 2;
  return values;
}

export interface Run {
  values: Float32Array;
  shape: number[];
  dtype: string;
}

/** Runs `make` on `backend` (inputs created inside, from plain arrays), reads and frees the result. */
export async function runOn(backend: 'cpu' | 'native', make: () => tf.Tensor): Promise<Run> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(make);
  const run = { values: Float32Array.from(out.dataSync() as ArrayLike<number>), shape: out.shape, dtype: out.dtype };
  out.dispose();
  expect(tf.memory().numTensors, `${backend}: tensors left behind`).toBe(before);
  return run;
}

/**
 * fp32 vs fp32 (gradcheck/tolerances.ts): |a − b| / max(|a|, |b|, atol, termScale) per element,
 * atol = ATOL_PER_SCALE · max|expected|; NaN must match NaN.
 */
export function maxRelError(actual: Float32Array, expected: Float32Array, termScale?: Float32Array): number {
  return maxRelativeError(actual, expected, { termScale, matchNonFinite: true });
}

type AddonFunction = Exclude<keyof NativeAddon, 'info' | 'setThreads'>;

/** Calls of the addon's `name` function during `f` (the addon's exports object is patched for the duration). */
export async function countAddonCalls<T>(name: AddonFunction, f: () => Promise<T>): Promise<{ calls: number; result: T }> {
  const addon = loadNativeAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = addon[name];
  let calls = 0;
  addon[name] = (...args: unknown[]) => {
    calls++;
    return original(...args);
  };
  try {
    const result = await f();
    return { calls, result };
  } finally {
    addon[name] = original;
  }
}

export interface MatchOptions {
  /** Bit-equal instead of the fp32 tolerance. */
  exact?: boolean;
  /** The addon function the native run must call (proves the native path ran, not the cpu fallback)… */
  via?: AddonFunction;
  /** …or, for cases meant to fall back, that it must not call. */
  notVia?: AddonFunction;
  /**
   * For sums of products (matmul): the per-element size of the terms, Σ_k |a_ik|·|b_kj|. Two fp32
   * evaluations of a sum agree to ~eps32 of its terms, not of a (possibly much smaller) result
   * that cancels, so the error is measured against max(|a|, |b|, atol, termScale). Run on cpu.
   */
  termScale?: () => tf.Tensor;
}

/** The same computation on cpu and on native: same shape and dtype, values within the fp32 tolerance (or bit-equal). */
export async function expectNativeMatchesCpu(make: () => tf.Tensor, options: MatchOptions = {}): Promise<void> {
  const cpu = await runOn('cpu', make);
  const watched = options.via ?? options.notVia;
  let native: Run;
  if (watched) {
    const counted = await countAddonCalls(watched, () => runOn('native', make));
    native = counted.result;
    if (options.via) expect(counted.calls, `native run should call addon.${watched}`).toBeGreaterThan(0);
    else expect(counted.calls, `native run should fall back to cpu, not call addon.${watched}`).toBe(0);
  } else {
    native = await runOn('native', make);
  }
  expect(native.shape).toEqual(cpu.shape);
  expect(native.dtype).toBe(cpu.dtype);
  expect(native.values.length).toBe(cpu.values.length);
  if (options.exact) {
    // Bit-equal, NaN included (toEqual treats NaN as equal to NaN).
    expect(Array.from(native.values)).toEqual(Array.from(cpu.values));
  } else {
    const scale = options.termScale ? (await runOn('cpu', options.termScale)).values : undefined;
    expect(maxRelError(native.values, cpu.values, scale)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
  }
}

/** How many elements differ in their bits (NaN payloads included). */
export function bitDifferences(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Infinity;
  const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
  let count = 0;
  for (let i = 0; i < xb.length; i++) if (xb[i] !== yb[i]) count++;
  return count;
}

/**
 * On an addon whose matmul runs handgrad's sgemm: matmul gives the bits of one single-threaded sgemm on
 * 1, 2 or 3 workers, whether it splits C by rows or by columns (each sum's order depends on k alone).
 */
export function expectMatmulSplitInvariant(addon: NativeAddon): void {
  const workers = addon.info().workers;
  addon.setSparseProducts(false);
  try {
    const best = addon.info().sgemmKernels[0];
    for (const [m, n, k, ta, tb] of [
      [784, 256, 128, true, false], // Xᵀ·G: split by rows
      [100, 784, 256, false, true], // split by columns
      [128, 256, 784, false, false],
    ] as const) {
      const a = randomValues(m * k, m + n);
      const b = randomValues(k * n, m + k);
      const single = new Float32Array(m * n);
      addon.sgemm(best, a, b, single, m, n, k, ta, tb);
      for (const count of [1, 2, 3]) {
        addon.setThreads(0, count);
        const out = new Float32Array(m * n);
        addon.matmul(a, b, out, 1, m, n, k, ta, tb, 0, 0, null, false, null);
        expect(bitDifferences(out, single), `${m}×${n}×${k} on ${count} workers`).toBe(0);
      }
    }
  } finally {
    addon.setSparseProducts(true);
    addon.setThreads(0, workers);
  }
}

/** The four (transposeA, transposeB) combinations of a product. */
export const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

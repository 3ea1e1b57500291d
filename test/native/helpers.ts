/** Shared set-up for the native backend tests: whether the addon loads, and cpu-vs-native runs. */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { expect } from 'vitest';
import { probeBackend } from '../../src/backends.js';
import { loadNativeAddon, type NativeAddon } from '../../native/addon.js';
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
 * fp32 vs fp32 (compare/tolerances.ts): |a − b| / max(|a|, |b|, atol) ≤ 1e-5 per element,
 * atol = 1e-6 · max|expected|; NaN must match NaN.
 */
export function maxRelError(actual: Float32Array, expected: Float32Array, termScale?: Float32Array): number {
  let scale = 0;
  for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const atol = Math.max(1e-6 * scale, 1e-30);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (!(Number.isNaN(a) && Number.isNaN(b))) return Infinity;
      continue;
    }
    if (a === b) continue;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), atol, termScale ? termScale[i] : 0));
  }
  return worst;
}

export const FP32_REL_TOL = 1e-5;

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
    expect(maxRelError(native.values, cpu.values, scale)).toBeLessThanOrEqual(FP32_REL_TOL);
  }
}

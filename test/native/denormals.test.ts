/**
 * The addon computes with flush-to-zero and denormals-are-zero (as TensorFlow's CPU kernels do) on the
 * calling thread and on its workers, and gives JavaScript its IEEE denormals back after every call.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/addon.js';
import { NATIVE_MISSING, SKIP_REASON } from './helpers.js';

/** A float32 denormal: below 2^-126 ≈ 1.18e-38, above 0. */
const DENORMAL = Math.fround(3e-39);

function adamOnDenormalMoments(size: number): { m: Float32Array; param: Float32Array } {
  const addon = loadNativeAddon();
  const param = new Float32Array(size).fill(1);
  const grad = new Float32Array(size); // a weight whose gradient stays 0: its m decays, step after step
  const m = new Float32Array(size).fill(DENORMAL);
  const v = new Float32Array(size).fill(1e-8);
  const out = { param: new Float32Array(size), m: new Float32Array(size).fill(7), v: new Float32Array(size) };
  addon.adamUpdate(param, grad, m, v, out.param, out.m, out.v, 1e-3, 0.9, 0.999, 1e-7, 10, 1000);
  return out;
}

describe.skipIf(NATIVE_MISSING)(`native addon: denormals flushed inside, kept outside${SKIP_REASON}`, () => {
  it('Adam on a denormal first moment gives exactly 0 (IEEE: 0.9 × 3e-39), on one thread and across the workers', () => {
    expect(DENORMAL).toBeGreaterThan(0);
    expect(0.9 * DENORMAL).toBeGreaterThan(0); // what IEEE arithmetic gives
    for (const size of [1000, 1 << 20]) {
      const { m, param } = adamOnDenormalMoments(size);
      expect(m.every((x) => x === 0), `size ${size}`).toBe(true);
      expect(param.every((x) => x === 1), `size ${size}`).toBe(true);
    }
  });

  it('JavaScript keeps its denormals after native calls (the caller’s floating-point mode is restored)', () => {
    adamOnDenormalMoments(1 << 20);
    const tiny = Number.MIN_VALUE; // the smallest double denormal
    expect(tiny * 1).toBe(Number.MIN_VALUE);
    expect(tiny + tiny).toBe(2 * Number.MIN_VALUE);
    const f = new Float32Array([DENORMAL]);
    expect(f[0] * 0.5).toBeGreaterThan(0);
    expect(Math.fround(f[0] * 0.9)).toBeGreaterThan(0);
  });
});

/** Shared by the zero-skipping product tests (native and wasm): seeded matrices and a float64 reference. */
import { makeRng } from '../../gradcheck/random.js';

export type ProductShape = {
  m: number;
  n: number;
  k: number;
  /** A is stored k×m and op(A) = Aᵀ. */
  transposeA: boolean;
  bias?: Float32Array;
  relu?: boolean;
  mask?: Float32Array;
};

/** Seeded values in [−0.25, 0.75), a share of them exactly 0. */
export function randomMatrix(size: number, zeroShare: number, seed: string): Float32Array {
  const rng = makeRng(0, seed);
  return Float32Array.from({ length: size }, () => (rng() < zeroShare ? 0 : rng() - 0.25));
}

/** op(A)·B (+ bias, relu, mask) in float64, for a finite B. */
export function referenceProduct(a: Float32Array, b: Float32Array, p: ProductShape): Float64Array {
  const out = new Float64Array(p.m * p.n);
  for (let i = 0; i < p.m; i++) {
    for (let kk = 0; kk < p.k; kk++) {
      const x = p.transposeA ? a[kk * p.m + i] : a[i * p.k + kk];
      if (x === 0) continue;
      for (let j = 0; j < p.n; j++) out[i * p.n + j] += x * b[kk * p.n + j];
    }
    for (let j = 0; j < p.n; j++) {
      let v = out[i * p.n + j] + (p.bias?.[j] ?? 0);
      if (p.relu) v = Math.max(0, v);
      if (p.mask !== undefined && !(p.mask[i * p.n + j] > 0)) v = Number.isNaN(p.mask[i * p.n + j]) ? NaN : 0;
      out[i * p.n + j] = v;
    }
  }
  return out;
}

export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  return worst;
}

/** Odd columns pushed below 0, so that a relu after the bias has something to clip. */
export function clippingBias(n: number, seed: string): Float32Array {
  return randomMatrix(n, 0, seed).map((x, j) => (j % 2 === 1 ? x - 100 : x));
}

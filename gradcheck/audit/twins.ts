/**
 * Float64 twins of tfjs ops for the audit (gradcheck's Float64Reference form: flat row-major
 * inputs in, flat output out), and the float64 derivatives of a twin that confirm a failure:
 *
 *   S(xs) = Σ dy ⊙ twin(xs)                         the scalar whose gradient tfjs computes
 *   ∂S/∂x_i                                         first order
 *   ∂/∂x_i Σ_j c_j ∂S/∂x_j = ∂²S/∂x_i∂C              second order w.r.t. x (C = c over every input)
 *   ∂/∂dy_i Σ_j c_j ∂S/∂x_j = ∂twin_i/∂C             second order w.r.t. dy
 *
 * Derivatives are central differences with one Richardson step, D = (4·D(h/2) − D(h))/3, whose
 * error is O(h⁴) (≈ 1e-12 at h = 1e-3) and is estimated as |D − D(h/2)|.
 */
import type { Float64Reference } from '../gradcheck.js';
import { FP64_UNIT_ROUNDOFF } from '../tolerances.js';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1] * shape[d + 1];
  return out;
}

/** numpy broadcasting of two shapes. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`broadcast: [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    return Math.max(da, db);
  });
}

/** For each flat index of `out`, the flat index of the broadcast operand of shape `shape`. */
function broadcastIndex(out: readonly number[], shape: readonly number[]): Int32Array {
  const total = size(out);
  const map = new Int32Array(total);
  const outStrides = strides(out);
  const inStrides = strides(shape);
  const offset = out.length - shape.length;
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let index = 0;
    for (let d = 0; d < out.length; d++) {
      const coordinate = Math.floor(rest / outStrides[d]);
      rest -= coordinate * outStrides[d];
      const dIn = d - offset;
      if (dIn >= 0 && shape[dIn] !== 1) index += coordinate * inStrides[dIn];
    }
    map[flat] = index;
  }
  return map;
}

/** y = f(x), elementwise. */
export const unary64 =
  (f: (x: number) => number): Float64Reference =>
  ([x]) =>
    x.map(f);

/** z = f(a, b) with numpy broadcasting. */
export const binary64 =
  (f: (a: number, b: number) => number): Float64Reference =>
  ([a, b], [sa, sb]) => {
    const out = broadcastShape(sa, sb);
    const ia = broadcastIndex(out, sa);
    const ib = broadcastIndex(out, sb);
    return Float64Array.from({ length: size(out) }, (_, i) => f(a[ia[i]], b[ib[i]]));
  };

/** Reduction of x over `axes` (keepDims irrelevant to the flat output): sum, mean, max, min, prod. */
export function reduce64(kind: 'sum' | 'mean' | 'max' | 'min' | 'prod', axes: readonly number[]): Float64Reference {
  return ([x], [shape]) => {
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const map = broadcastIndex(shape, kept);
    const count = size(shape) / size(kept);
    const init = kind === 'max' ? -Infinity : kind === 'min' ? Infinity : kind === 'prod' ? 1 : 0;
    const out = new Float64Array(size(kept)).fill(init);
    x.forEach((v, i) => {
      const o = map[i];
      out[o] = kind === 'max' ? Math.max(out[o], v) : kind === 'min' ? Math.min(out[o], v) : kind === 'prod' ? out[o] * v : out[o] + v;
    });
    return kind === 'mean' ? out.map((v) => v / count) : out;
  };
}

/** Softmax over the last axis. */
export const softmax64: Float64Reference = ([x], [shape]) => {
  const cols = shape[shape.length - 1];
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    let sum = 0;
    row.forEach((v, j) => (sum += out[r * cols + j] = Math.exp(v - max)));
    for (let j = 0; j < cols; j++) out[r * cols + j] /= sum;
  }
  return out;
};

/** tf.matMul(a, b, transposeA, transposeB) for a of rank ≥ 2 and b of rank 2 (b shared by every batch). */
export function matMul64(transposeA: boolean, transposeB: boolean): Float64Reference {
  return ([a, b], [sa, sb]) => {
    const [ra, ca] = sa.slice(-2);
    const [rb, cb] = sb;
    const m = transposeA ? ca : ra;
    const k = transposeA ? ra : ca;
    const n = transposeB ? rb : cb;
    const batches = a.length / (ra * ca);
    const out = new Float64Array(batches * m * n);
    for (let p = 0; p < batches; p++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += a[p * ra * ca + (transposeA ? q * ca + i : i * ca + q)] * b[transposeB ? j * cb + q : q * cb + j];
          out[(p * m + i) * n + j] = s;
        }
    return out;
  };
}

/**
 * Sliding windows over NHWC input, 'valid' padding: max or average pooling (window k, stride s), or
 * dilation2d with a filter [k, k, C] (stride 1, rate 1): the max over the window of x + filter.
 */
export function window64(kind: 'max' | 'avg' | 'dilation', k: number, stride: number): Float64Reference {
  return ([x, filter], [[n, h, w, ch]]) => {
    const oh = Math.floor((h - k) / stride) + 1;
    const ow = Math.floor((w - k) / stride) + 1;
    const out = new Float64Array(n * oh * ow * ch);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let c = 0; c < ch; c++) {
            let acc = kind === 'avg' ? 0 : -Infinity;
            for (let di = 0; di < k; di++)
              for (let dj = 0; dj < k; dj++) {
                const v = x[((b * h + i * stride + di) * w + j * stride + dj) * ch + c] + (kind === 'dilation' ? filter[(di * k + dj) * ch + c] : 0);
                acc = kind === 'avg' ? acc + v / (k * k) : Math.max(acc, v);
              }
            out[((b * oh + i) * ow + j) * ch + c] = acc;
          }
    return out;
  };
}

/** tf.mirrorPad of a 2-D input: 'reflect' leaves the edge out of the copy, 'symmetric' repeats it. */
export function mirrorPad64(paddings: [[number, number], [number, number]], mode: 'reflect' | 'symmetric'): Float64Reference {
  const source = (i: number, before: number, n: number): number => {
    const s = i - before;
    const edge = mode === 'reflect' ? 0 : 1;
    if (s < 0) return -s - edge;
    return s >= n ? 2 * n - 2 - s + edge : s;
  };
  return ([x], [[rows, cols]]) => {
    const outRows = rows + paddings[0][0] + paddings[0][1];
    const outCols = cols + paddings[1][0] + paddings[1][1];
    return Float64Array.from({ length: outRows * outCols }, (_, flat) => x[source(Math.floor(flat / outCols), paddings[0][0], rows) * cols + source(flat % outCols, paddings[1][0], cols)]);
  };
}

/** erf by its Maclaurin series: float64-accurate (≈1e-15 absolute) for |x| ≤ 2, where the audit uses it. */
export function erf64(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * Rounding of the differences: each value of φ is off by about `noise` (u·Σ|terms|), a central
 * difference by noise/step, the four-point one by noise/step², and Richardson's (4·fine − coarse)/3
 * adds up to 5/3 of the fine one's: 4 covers that with room.
 */
const ROUNDING_FACTOR = 4;

export interface Derivative64 {
  value: number;
  /** Estimated absolute error of value. */
  error: number;
}

/** φ′(0) by Richardson-extrapolated central differences with first step h. */
export function derivative64(phi: (t: number) => number, h: number, noise = 0): Derivative64 {
  const central = (s: number): number => (phi(s) - phi(-s)) / (2 * s);
  const coarse = central(h);
  const fine = central(h / 2);
  const value = (4 * fine - coarse) / 3;
  return { value, error: Math.abs(value - fine) + ROUNDING_FACTOR * noise / (h / 2) };
}

/** ∂²φ/∂s∂t at (0, 0) by Richardson-extrapolated four-point differences with first step h. */
export function mixed64(phi: (s: number, t: number) => number, h: number, noise = 0): Derivative64 {
  const four = (e: number): number => (phi(e, e) - phi(e, -e) - phi(-e, e) + phi(-e, -e)) / (4 * e * e);
  const coarse = four(h);
  const fine = four(h / 2);
  const value = (4 * fine - coarse) / 3;
  return { value, error: Math.abs(value - fine) + ROUNDING_FACTOR * noise / (h / 2) ** 2 };
}

/** The float64 quantities of one case at one point: per differentiated input, per coordinate. */
export interface TwinDerivatives {
  /** twin(xs) itself. */
  forward: Float64Array;
  first: Derivative64[][];
  secondX: Derivative64[][];
  secondDy: Derivative64[];
}

/** Step of the differences: 1e-3 of the largest |x| (at least 1e-3): truncation O(h⁴), rounding ≈ 1e-16/h². */
const STEP = 1e-3;

/**
 * Float64 first derivatives of S = Σ dy ⊙ twin(xs) at xs for the inputs `wrt`, and second
 * derivatives of S = Σ upstream ⊙ twin(xs) with the direction c (one array per entry of wrt).
 */
export function twinDerivatives(twin: Float64Reference, xs: Float64Array[], shapes: number[][], wrt: number[], dy: Float64Array, upstream: Float64Array, c: Float64Array[]): TwinDerivatives {
  let scale = 1;
  for (const k of wrt) for (const v of xs[k]) scale = Math.max(scale, Math.abs(v));
  const h = STEP * scale;
  const at = (s: number, k: number, i: number, t: number): Float64Array => {
    const moved = xs.map((x, m) => {
      const j = wrt.indexOf(m);
      if (j < 0) return x;
      const y = Float64Array.from(x, (v, n) => v + t * c[j][n]);
      if (m === k) y[i] += s;
      return y;
    });
    return twin(moved, shapes);
  };
  const weigh = (y: Float64Array, w = dy): number => {
    let sum = 0;
    y.forEach((v, n) => (sum += w[n] * v));
    return sum;
  };
  // Rounding of one S: u·Σ|dy ⊙ y| times √(terms) for the sum (and the op's own sums).
  const y0 = twin(xs, shapes);
  const noiseOf = (w: Float64Array): number => {
    let magnitude = 0;
    y0.forEach((v, n) => (magnitude += Math.abs(w[n] * v)));
    return FP64_UNIT_ROUNDOFF * Math.sqrt(y0.length) * Math.max(magnitude, Number.MIN_VALUE);
  };
  const noise = noiseOf(dy);
  const first = wrt.map((k) => Array.from(xs[k], (_, i) => derivative64((s) => weigh(at(s, k, i, 0)), h, noise)));
  const secondX = wrt.map((k) => Array.from(xs[k], (_, i) => mixed64((s, t) => weigh(at(s, k, i, t), upstream), h, noiseOf(upstream))));
  const outputs = dy.length;
  const coarse = [h, h / 2].map((e) => {
    const plus = at(0, -1, 0, e);
    const minus = at(0, -1, 0, -e);
    return Float64Array.from({ length: outputs }, (_, n) => (plus[n] - minus[n]) / (2 * e));
  });
  const secondDy = Array.from({ length: outputs }, (_, n) => {
    const value = (4 * coarse[1][n] - coarse[0][n]) / 3;
    return { value, error: Math.abs(value - coarse[1][n]) + (ROUNDING_FACTOR * FP64_UNIT_ROUNDOFF * Math.abs(y0[n])) / (h / 2) };
  });
  return { forward: y0, first, secondX, secondDy };
}

/** f′(x) and f″(x) of a scalar function, for the one-line reproductions of elementwise ops. */
export function scalarDerivatives64(f: (x: number) => number, x: number): { first: Derivative64; second: Derivative64 } {
  const h = STEP * Math.max(1, Math.abs(x));
  const noise = FP64_UNIT_ROUNDOFF * Math.max(Math.abs(f(x)), Number.MIN_VALUE);
  const second = (e: number): number => (f(x + e) - 2 * f(x) + f(x - e)) / (e * e);
  const coarse = second(h);
  const fine = second(h / 2);
  const value = (4 * fine - coarse) / 3;
  return { first: derivative64((t) => f(x + t), h, noise), second: { value, error: Math.abs(value - fine) + (ROUNDING_FACTOR * noise) / (h / 2) ** 2 } };
}

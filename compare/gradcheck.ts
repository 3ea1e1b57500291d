/**
 * gradcheck(fn, inputs, options): checks tf.grad of any tfjs function against central finite
 * differences, in the spirit of torch.autograd.gradcheck.
 *
 * With a cotangent c (seeded normal, shape of fn's output), the checked scalar is
 * f(xs) = Σ c ⊙ fn(xs), whose gradient tf.grads computes through fn's registered gradients.
 * Finite differences of f run in float64 on `options.reference` (a float64 re-implementation of
 * fn) when given — the reliable check — or else on fn itself in float32 with a much looser,
 * explicitly "weak" tolerance. Large inputs are checked on a seeded sample of coordinates.
 */
import * as tf from '@tensorflow/tfjs';
import { centralDifferenceAt, fdStep } from './reference/finite_diff.js';
import { makeRng, normals, sampleIndices } from './random.js';
import { type CheckRow, compareRow } from './rows.js';
import { FD32_REL_EPS, FD64_REL_EPS, FP32_UNIT_ROUNDOFF, FP32_VS_FD32, FP64_UNIT_ROUNDOFF, fdNoise, fp32VsF64For, type Tolerance } from './tolerances.js';

export type { CheckRow } from './rows.js';

/** A float64 re-implementation of fn: flat row-major inputs in, flat output out. */
export type Float64Reference = (xs: Float64Array[], shapes: number[][]) => Float64Array;

export interface GradcheckOptions {
  /** Row label prefix; default "fn". */
  name?: string;
  /** Names of the inputs in rows; default x0, x1, …. */
  inputNames?: string[];
  /** Which inputs to differentiate; default every float32 input. */
  wrt?: number[];
  /** float64 implementation of fn for the finite differences (strongly recommended). */
  reference?: Float64Reference;
  /** Largest number of coordinates checked per input (seeded sample); default 64. */
  maxCoordinates?: number;
  /** Seed for the cotangent and the sample; default 0. */
  seed?: number;
  /** Override the tolerance (default: fp32~f64 with a reference — 1e-4, or 1e-3 when reductionTerms ≥ 1000 — and the weak fp32~fd32 without). */
  tolerance?: Tolerance;
  /** Longest fp32 reduction inside fn (widens the absolute floor by √K); default 1. */
  reductionTerms?: number;
}

function checkInputs(inputs: tf.Tensor[], options: GradcheckOptions): number[] {
  if (inputs.length === 0) throw new Error('gradcheck: inputs must hold at least one tensor');
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  for (const i of wrt) {
    if (!Number.isInteger(i) || i < 0 || i >= inputs.length) throw new Error(`gradcheck: options.wrt has ${i}, but there are ${inputs.length} inputs`);
    if (inputs[i].dtype !== 'float32') throw new Error(`gradcheck: input ${i} has dtype ${inputs[i].dtype}; only float32 inputs can be differentiated`);
  }
  if (wrt.length === 0) throw new Error('gradcheck: no float32 input to differentiate');
  if (options.maxCoordinates !== undefined && !(Number.isInteger(options.maxCoordinates) && options.maxCoordinates > 0)) {
    throw new Error(`gradcheck: options.maxCoordinates must be a positive integer, got ${options.maxCoordinates}`);
  }
  return wrt;
}

function dot(c: Float32Array, values: ArrayLike<number>): number {
  if (values.length !== c.length) throw new Error(`gradcheck: the reference returned ${values.length} values, fn returned ${c.length}`);
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i] * values[i];
  return s;
}

function dotAbs(c: Float32Array, values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += Math.abs(c[i] * values[i]);
  return s;
}

/**
 * Checks tf.grad of fn against finite differences; returns one row per differentiated input
 * (and, with a reference, one forward row: fn vs reference). Disposes everything it creates.
 */
export function gradcheck(fn: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], options: GradcheckOptions = {}): CheckRow[] {
  const wrt = checkInputs(inputs, options);
  const name = options.name ?? 'fn';
  const inputNames = options.inputNames ?? inputs.map((_, i) => `x${i}`);
  const maxCoordinates = options.maxCoordinates ?? 64;
  const seed = options.seed ?? 0;
  const reference = options.reference;
  const tol = options.tolerance ?? (reference ? fp32VsF64For(options.reductionTerms ?? 1) : FP32_VS_FD32);
  const shapes = inputs.map((t) => t.shape.slice());
  const values32: ArrayLike<number>[] = inputs.map((t) => t.dataSync());

  // Forward once, for the output's shape and values.
  const out = tf.tidy(() => fn(...inputs));
  const outValues = Float64Array.from(out.dataSync());
  const outShape = out.shape.slice();
  out.dispose();
  const c = normals(outValues.length, makeRng(seed, `${name}-cotangent`));

  // Analytic: tf.grads of Σ c ⊙ fn(xs) with respect to the chosen inputs.
  const analytic = tf.tidy(() => {
    const cotangent = tf.tensor(c, outShape, 'float32');
    const f = (...chosen: tf.Tensor[]): tf.Scalar => {
      const all = inputs.slice();
      wrt.forEach((k, j) => (all[k] = chosen[j]));
      return tf.sum(tf.mul(fn(...all), cotangent));
    };
    return tf.grads(f)(wrt.map((k) => inputs[k]));
  });
  const analyticValues = analytic.map((g) => g.dataSync() as Float32Array);
  tf.dispose(analytic);

  const rows: CheckRow[] = [];
  const xs64 = values32.map((v) => Float64Array.from(v));
  if (reference) {
    const ref = reference(xs64, shapes);
    rows.push(compareRow(name, 'forward vs float64', outValues, ref, tol, { reductionTerms: options.reductionTerms }));
  }

  wrt.forEach((k, j) => {
    const total = values32[k].length;
    const indices = sampleIndices(total, maxCoordinates, makeRng(seed, `${name}-${k}-sample`));
    let fd: Float64Array;
    const noise = new Float64Array(indices.length);
    if (reference) {
      // float64: f(x + δe_i) on a copy of the inputs.
      const work = xs64.map((x) => Float64Array.from(x));
      const lossAt = (i: number, delta: number): number => {
        work[k][i] = xs64[k][i] + delta;
        const value = dot(c, reference(work, shapes));
        work[k][i] = xs64[k][i];
        return value;
      };
      fd = centralDifferenceAt(lossAt, xs64[k], indices, FD64_REL_EPS);
      const magnitude = dotAbs(c, reference(xs64, shapes));
      indices.forEach((i, n) => (noise[n] = fdNoise(FP64_UNIT_ROUNDOFF, magnitude, fdStep(xs64[k][i], FD64_REL_EPS), options.reductionTerms)));
    } else {
      // float32: perturb in fp32, run fn, sum the outputs in float64; divide by the step actually taken.
      const work = Float32Array.from(values32[k]);
      const evalAt = (i: number, value: number): number => {
        work[i] = value;
        const output = tf.tidy(() => {
          const all = inputs.slice();
          all[k] = tf.tensor(work, shapes[k], 'float32');
          return fn(...all);
        });
        const result = output.dataSync();
        output.dispose();
        work[i] = values32[k][i];
        return dot(c, result);
      };
      fd = new Float64Array(indices.length);
      const magnitude = dotAbs(c, outValues);
      indices.forEach((i, n) => {
        const x = values32[k][i];
        const h = fdStep(x, FD32_REL_EPS);
        const plus = Math.fround(x + h);
        const minus = Math.fround(x - h);
        fd[n] = (evalAt(i, plus) - evalAt(i, minus)) / (plus - minus);
        // fn's fp32 outputs carry a few u of rounding each.
        noise[n] = fdNoise(4 * FP32_UNIT_ROUNDOFF, magnitude, (plus - minus) / 2, options.reductionTerms);
      });
    }
    const sampled = indices.map((i) => analyticValues[j][i]);
    let scale = 0;
    for (const v of analyticValues[j]) scale = Math.max(scale, Math.abs(v));
    rows.push(
      compareRow(`${name} ∂/∂${inputNames[k] ?? `x${k}`}`, reference ? 'grad vs fd64' : 'grad vs fd32', sampled, fd, tol, {
        scale,
        extraFloor: noise,
        reductionTerms: options.reductionTerms,
        total,
      }),
    );
  });
  return rows;
}

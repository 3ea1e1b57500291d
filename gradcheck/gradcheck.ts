/**
 * gradcheck(fn, inputs, options): checks tf.grad of any tfjs function against finite
 * differences, in the spirit of torch.autograd.gradcheck — without needing float64 tensors.
 *
 * With cotangents c (seeded normal, one per output), the checked scalar is
 * f(xs) = Σ c ⊙ fn(xs), whose gradient tf.grads computes through fn's registered gradients.
 *
 * Without a reference (the default), the differences run on fn itself in fp32, and each checked
 * quantity carries its own error estimate (fd32/line.ts: measured rounding noise, per-quantity
 * step, Richardson extrapolation); the tolerance is derived from that estimate, so it is as tight
 * as fn's own rounding allows and printed with the row. Mode `fast` (default) checks uᵀJv along
 * random directions, covering every coordinate, then bisects to name failing coordinates;
 * `per-coordinate` checks coordinates one by one. Kinks are detected and stepped around.
 *
 * With `reference` (a float64 re-implementation of fn), the differences run in float64 on a
 * seeded sample of coordinates and the tolerances are gradcheck/tolerances.ts's fp32~f64 ones.
 */
import * as tf from '@tensorflow/tfjs';
import { centralDifferenceAt, fdStep } from './reference/finite_diff.js';
import { coverInput, DEFAULT_COVER_SETTINGS, rademacher, type CoverSettings, type InputCoverage } from './fd32/cover.js';
import { lookaheadFor, scalarize, type TensorFunction } from './fd32/scalarize.js';
import { makeRng, normals, sampleIndices } from './random.js';
import { describeFailures, GradcheckError, type GradcheckResult, type InputResult, inputRow, unravelIndex } from './result.js';
import { compareRow } from './rows.js';
import { absFloor, FD64_REL_EPS, FP64_UNIT_ROUNDOFF, fdNoise, fp32VsF64For, type Tolerance } from './tolerances.js';

export type { CheckRow } from './rows.js';
export type { TensorFunction } from './fd32/scalarize.js';

/** A float64 re-implementation of fn: flat row-major inputs in, flat output out. */
export type Float64Reference = (xs: Float64Array[], shapes: number[][]) => Float64Array;

export interface GradcheckOptions {
  /** Row label prefix; default "fn". */
  name?: string;
  /** Names of the inputs in rows; default x0, x1, …. */
  inputNames?: string[];
  /** Which inputs to differentiate; default every float32 input. */
  wrt?: number[];
  /** float64 implementation of fn: differences in float64 on a sample of coordinates. */
  reference?: Float64Reference;
  /**
   * fp32 mode (no reference): `fast` (default) — random-direction checks covering every
   * coordinate, then bisection to name the failing ones; `per-coordinate` — every coordinate (or
   * a sample of maxCoordinates) on its own.
   */
  mode?: 'fast' | 'per-coordinate';
  /** Coordinates per input: with a reference, the sample size (default 64); per-coordinate mode, a seeded sample (default all). */
  maxCoordinates?: number;
  /** per-coordinate mode: exactly these flat (row-major) coordinates of every differentiated input. */
  coordinates?: number[];
  /** Random directions per input in fast mode; default 2. */
  directions?: number;
  /** Stop localising an input after naming this many failing coordinates; default 16. */
  maxFailing?: number;
  /** Evaluations of fn per input before the check stops starting new lines; default 20 000 in fast mode, no limit per coordinate. */
  maxEvaluations?: number;
  /**
   * Fast mode: keep splitting the input into blocks until a single coordinate off by this
   * fraction of max|g| would fail; default 1e-2 (small inputs resolve far finer at once, see
   * InputResult.resolution). Infinity checks whole-input directions only.
   */
  resolution?: number;
  /** Seed for the cotangents, directions and samples; default 0. */
  seed?: number;
  /** With a reference only: override the tolerance (default fp32~f64, 1e-3 when reductionTerms ≥ 1000). */
  tolerance?: Tolerance;
  /** With a reference only: longest fp32 reduction inside fn (widens the absolute floor by √K); default 1. */
  reductionTerms?: number;
  /** Throw a GradcheckError (carrying the result) when the check fails. */
  raise?: boolean;
}

function checkInputs(inputs: tf.Tensor[], options: GradcheckOptions): number[] {
  if (inputs.length === 0) throw new Error('gradcheck: inputs must hold at least one tensor');
  inputs.forEach((t, i) => {
    if (!(t instanceof tf.Tensor)) throw new Error(`gradcheck: input ${i} is not a tensor`);
    if (t.isDisposed) throw new Error(`gradcheck: input ${i} is a disposed tensor`);
  });
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  for (const i of wrt) {
    if (!Number.isInteger(i) || i < 0 || i >= inputs.length) throw new Error(`gradcheck: options.wrt has ${i}, but there are ${inputs.length} inputs`);
    if (inputs[i].dtype !== 'float32') throw new Error(`gradcheck: input ${i} has dtype ${inputs[i].dtype}; only float32 inputs can be differentiated`);
    if (inputs[i].size === 0) throw new Error(`gradcheck: input ${i} is empty`);
  }
  if (wrt.length === 0) throw new Error('gradcheck: no float32 input to differentiate');
  const positive = (key: 'maxCoordinates' | 'directions' | 'maxFailing' | 'maxEvaluations'): void => {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`gradcheck: options.${key} must be a positive integer, got ${v}`);
  };
  positive('maxCoordinates');
  positive('directions');
  positive('maxFailing');
  positive('maxEvaluations');
  if (options.coordinates !== undefined && !options.coordinates.every((i) => Number.isInteger(i) && i >= 0)) throw new Error('gradcheck: options.coordinates must hold non-negative integer indices');
  if (options.resolution !== undefined && !(options.resolution > 0)) throw new Error(`gradcheck: options.resolution must be positive, got ${options.resolution}`);
  if (options.mode !== undefined && options.mode !== 'fast' && options.mode !== 'per-coordinate') throw new Error(`gradcheck: options.mode must be 'fast' or 'per-coordinate', got ${String(options.mode)}`);
  return wrt;
}

function emptyInput(name: string, index: number, shape: number[], mode: InputResult['mode']): InputResult {
  const total = shape.reduce((a, b) => a * b, 1);
  return {
    name,
    index,
    shape,
    mode,
    maxAbsErr: 0,
    maxRelErr: 0,
    errorEstimate: 0,
    tol: 0,
    worstRatio: 0,
    resolution: 0,
    checked: 0,
    total,
    failingIndices: [],
    failingCoordinates: [],
    failingComplete: true,
    kinks: 0,
    nondifferentiable: 0,
    notFinite: 0,
    evaluations: 0,
    pass: false,
    notes: [],
  };
}

/** Summarises an input's line checks: the quantity closest to failing sets the printed rel err / estimate / tol. */
function fromCoverage(base: InputResult, coverage: InputCoverage, evaluations: number): InputResult {
  let worst: (typeof coverage.checks)[number] | undefined;
  let worstRatio = 0;
  let maxAbsErr = 0;
  let maxRelErr = 0;
  for (const c of coverage.checks) {
    if (c.outcome === 'nondifferentiable' || c.outcome === 'not-finite') continue;
    // A failing bisection range only guides the search; coordinates and whole-input lines decide.
    if (c.role === 'range' && c.outcome === 'fail') continue;
    const denominator = Math.max(Math.abs(c.analytic), Math.abs(c.numeric), c.tolerance);
    const ratio = c.tolerance > 0 ? c.error / c.tolerance : c.error > 0 ? Infinity : 0;
    maxAbsErr = Math.max(maxAbsErr, c.error);
    maxRelErr = Math.max(maxRelErr, denominator > 0 ? c.error / denominator : 0);
    if (worst === undefined || ratio > worstRatio) {
      worst = c;
      worstRatio = ratio;
    }
  }
  const denominator = worst === undefined ? 0 : Math.max(Math.abs(worst.analytic), Math.abs(worst.numeric), worst.tolerance);
  return {
    ...base,
    maxAbsErr,
    maxRelErr,
    errorEstimate: worst !== undefined && denominator > 0 ? worst.errorEstimate / denominator : 0,
    tol: worst !== undefined && denominator > 0 ? worst.tolerance / denominator : 0,
    worstRatio,
    checked: coverage.checked,
    resolution: coverage.resolution,
    failingIndices: coverage.failingIndices,
    failingCoordinates: coverage.failingIndices.map((i) => unravelIndex(i, base.shape)),
    failingComplete: coverage.failingComplete,
    failingValues: coverage.checks.filter((c) => c.role === 'coordinate' && c.outcome === 'fail' && c.index !== undefined).map((c) => ({ index: c.index!, analytic: c.analytic, numeric: c.numeric })),
    kinks: coverage.kinks,
    nondifferentiable: coverage.nondifferentiable,
    notFinite: coverage.notFinite,
    evaluations,
    pass: coverage.pass,
    notes: [...coverage.notes, ...(coverage.kinks > 0 ? [`${coverage.kinks} line(s) re-checked beyond a kink`] : []), ...(coverage.nondifferentiable > 0 ? [`${coverage.nondifferentiable} line(s) not differentiable near x: not checked`] : []), ...(coverage.notFinite > 0 ? [`${coverage.notFinite} line(s) not finite near x: not checked`] : [])],
  };
}

function finish(result: GradcheckResult, raise: boolean | undefined): GradcheckResult {
  if (raise && !result.pass) throw new GradcheckError(describeFailures(result), result);
  return result;
}

/**
 * Checks tf.grad of fn against finite differences; returns the structured result (per input:
 * errors, error estimate, tolerance, coverage, failing coordinates; overall pass) and table
 * rows. Disposes everything it creates; leaves `inputs` untouched.
 */
export function gradcheck(fn: TensorFunction, inputs: tf.Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const wrt = checkInputs(inputs, options);
  const name = options.name ?? 'fn';
  const inputNames = options.inputNames ?? inputs.map((_, i) => `x${i}`);
  const seed = options.seed ?? 0;
  const rowName = (k: number): string => `${name} ∂/∂${inputNames[k] ?? `x${k}`}`;
  if (options.reference !== undefined) return finish(float64Check(fn, inputs, wrt, options, name, rowName), options.raise);

  const f = scalarize(fn, inputs, seed, name);
  const mode = options.mode ?? 'fast';
  let grads: Float32Array[];
  try {
    grads = f.gradientsWith(wrt);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const failed = wrt.map((k) => ({ ...emptyInput(rowName(k), k, f.shapes[k], mode), notes: [message] }));
    return finish({ name, pass: false, inputs: failed, rows: failed.map((i) => inputRow(i, 'grad vs fd32')), evaluations: f.counts.evaluations, backwardPasses: f.counts.backward, error: message }, options.raise);
  }
  const results = wrt.map((k, j) => {
    const before = f.counts.evaluations;
    const n = f.base[k].length;
    const dirRng = makeRng(seed, `${name}-${k}-directions`);
    const signs = Array.from({ length: options.directions ?? DEFAULT_COVER_SETTINGS.directions }, () => rademacher(n, dirRng));
    const coordinates =
      mode !== 'per-coordinate' ? undefined : options.coordinates !== undefined ? options.coordinates.filter((i) => i < n) : options.maxCoordinates !== undefined ? sampleIndices(n, options.maxCoordinates, makeRng(seed, `${name}-${k}-sample`)) : undefined;
    const settings: CoverSettings = {
      ...DEFAULT_COVER_SETTINGS,
      mode,
      coordinates,
      maxFailing: options.maxFailing ?? DEFAULT_COVER_SETTINGS.maxFailing,
      maxEvaluations: options.maxEvaluations ?? (mode === 'fast' ? DEFAULT_COVER_SETTINGS.maxEvaluations : Infinity),
      resolution: options.resolution ?? DEFAULT_COVER_SETTINGS.resolution,
      line: { ...DEFAULT_COVER_SETTINGS.line, lookahead: lookaheadFor(tf.getBackend()) },
    };
    const coverage = coverInput(f, k, grads[j], signs, settings);
    return fromCoverage(emptyInput(rowName(k), k, f.shapes[k], mode), coverage, f.counts.evaluations - before);
  });
  const kind = mode === 'fast' ? 'grad vs fd32 (fast)' : 'grad vs fd32';
  return finish(
    {
      name,
      pass: results.every((r) => r.pass),
      inputs: results,
      rows: results.map((r) => inputRow(r, kind)),
      evaluations: f.counts.evaluations,
      backwardPasses: f.counts.backward,
    },
    options.raise,
  );
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

function single(out: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(out)) {
    if (out.length !== 1) throw new Error('gradcheck: a float64 reference returns one output; fn returned several');
    return out[0];
  }
  return out;
}

/** Float64 central differences of the reference on a seeded sample of coordinates. */
function float64Check(fn: TensorFunction, inputs: tf.Tensor[], wrt: number[], options: GradcheckOptions, name: string, rowName: (k: number) => string): GradcheckResult {
  const reference = options.reference!;
  const maxCoordinates = options.maxCoordinates ?? 64;
  const seed = options.seed ?? 0;
  const tol = options.tolerance ?? fp32VsF64For(options.reductionTerms ?? 1);
  const shapes = inputs.map((t) => t.shape.slice());
  const xs64 = inputs.map((t) => Float64Array.from(t.dataSync() as ArrayLike<number>));

  const out = tf.tidy(() => single(fn(...inputs)));
  const outValues = Float64Array.from(out.dataSync());
  const outShape = out.shape.slice();
  out.dispose();
  const c = normals(outValues.length, makeRng(seed, `${name}-cotangent`));

  const analytic = tf.tidy(() => {
    const cotangent = tf.tensor(c, outShape, 'float32');
    const f = (...chosen: tf.Tensor[]): tf.Scalar => {
      const all = inputs.slice();
      wrt.forEach((k, j) => (all[k] = chosen[j]));
      return tf.sum(tf.mul(single(fn(...all)), cotangent));
    };
    return tf.grads(f)(wrt.map((k) => inputs[k]));
  });
  const analyticValues = analytic.map((g) => g.dataSync() as Float32Array);
  tf.dispose(analytic);

  let referenceCalls = 1;
  const ref = reference(xs64, shapes);
  const forward = compareRow(name, 'forward vs float64', outValues, ref, tol, { reductionTerms: options.reductionTerms });
  const magnitude = dotAbs(c, ref);

  const results = wrt.map((k, j) => {
    const total = xs64[k].length;
    const indices = sampleIndices(total, maxCoordinates, makeRng(seed, `${name}-${k}-sample`));
    const work = xs64.map((x) => Float64Array.from(x));
    const lossAt = (i: number, delta: number): number => {
      referenceCalls++;
      work[k][i] = xs64[k][i] + delta;
      const value = dot(c, reference(work, shapes));
      work[k][i] = xs64[k][i];
      return value;
    };
    const fd = centralDifferenceAt(lossAt, xs64[k], indices, FD64_REL_EPS);
    const noise = indices.map((i) => fdNoise(FP64_UNIT_ROUNDOFF, magnitude, fdStep(xs64[k][i], FD64_REL_EPS), options.reductionTerms));
    const sampled = indices.map((i) => analyticValues[j][i]);
    let scale = 0;
    for (const v of analyticValues[j]) scale = Math.max(scale, Math.abs(v));
    const row = compareRow(rowName(k), 'grad vs fd64', sampled, fd, tol, { scale, extraFloor: noise, reductionTerms: options.reductionTerms, total });
    // The failing sampled coordinates, by the row's own measure (compareRow's).
    const floor = absFloor(tol, scale, options.reductionTerms);
    const failing = indices.filter((_, n) => {
      const err = Math.abs(sampled[n] - fd[n]);
      return !(err <= tol.rtol * Math.max(Math.abs(sampled[n]), Math.abs(fd[n]), Math.max(floor, noise[n]) / tol.rtol));
    });
    const result: InputResult = {
      ...emptyInput(rowName(k), k, shapes[k], 'float64'),
      maxAbsErr: row.maxAbsErr,
      maxRelErr: row.maxRelErr,
      tol: row.tol,
      worstRatio: row.maxRelErr / row.tol,
      checked: row.checked,
      pass: row.pass,
      failingIndices: failing,
      failingCoordinates: failing.map((i) => unravelIndex(i, shapes[k])),
      failingComplete: row.checked === total,
    };
    return result;
  });
  const rows = [forward, ...results.map((r) => inputRow(r, 'grad vs fd64'))];
  return { name, pass: forward.pass && results.every((r) => r.pass), inputs: results, forward, rows, evaluations: referenceCalls, backwardPasses: 1 };
}

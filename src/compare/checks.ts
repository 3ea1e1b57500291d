/**
 * The compare command's checks on the active tfjs backend: each hand-written op against tfjs's
 * built-in and float64 finite differences, then every parameter gradient of an MLP three ways.
 * Pure tfjs (no node: imports), so a web page can bundle it and run it on webgl.
 */
import * as tf from '@tensorflow/tfjs';
import { manualRelu, manualSoftmax, manualSoftmaxCrossEntropy, registerCustomOps } from '../../custom-ops/index.js';
import { autodiffBackprop, manualBackprop, type ParamGrads } from '../model/backprop.js';
import { disposeParams, type MlpParams, xavierInit } from '../model/mlp.js';
import {
  centralDifferenceAt,
  fdStep,
  logSumExpRows,
  type Mat64,
  mat64,
  relu64,
  reluVjp64,
  softmax64,
  softmaxCrossEntropy64,
  softmaxCrossEntropyVjp64,
  softmaxRows,
  softmaxVjp64,
} from '../../compare/reference/index.js';
import { type Mlp64, mlpBackprop64, mlpLossAlong64 } from '../reference/mlp64.js';
import { type Float64Reference, gradcheck } from '../../compare/gradcheck.js';
import { makeRng, normals, sampleIndices } from '../../compare/random.js';
import { type CheckRow, compareRow } from '../../compare/rows.js';
import { F64_VS_FD64, FD64_REL_EPS, FP32_UNIT_ROUNDOFF, FP32_VS_FP32, FP64_UNIT_ROUNDOFF, fdNoise, fp32VsF64For, type Tolerance } from '../../compare/tolerances.js';

export type { CheckRow } from '../../compare/rows.js';

export interface CheckOptions {
  /** MLP layer sizes [F, hidden…, K]; default the homework's [784, 1000, 10]. */
  layers: number[];
  /** Rows in the batch; default 64. */
  batch: number;
  seed: number;
  /** Finite-difference coordinates per tensor (seeded sample); default 64. */
  maxCoordinates?: number;
}

export interface CheckReport {
  backend: string;
  checks: CheckRow[];
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { layers: [784, 1000, 10], batch: 64, seed: 0, maxCoordinates: 64 };

/** Throws a one-line error naming the bad option. */
export function validateCheckOptions(options: CheckOptions): void {
  const { layers, batch, seed, maxCoordinates } = options;
  if (layers.length < 2 || layers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`layers: need ≥ 2 positive integers, got [${layers.join(', ')}]`);
  if (layers[layers.length - 1] < 2) throw new Error(`layers: softmax needs ≥ 2 output classes, got ${layers[layers.length - 1]}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch: must be a positive integer, got ${batch}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed: must be a non-negative integer, got ${seed}`);
  if (maxCoordinates !== undefined && (!Number.isInteger(maxCoordinates) || maxCoordinates < 1)) throw new Error(`maxCoordinates: must be a positive integer, got ${maxCoordinates}`);
}

type UnaryOp = (x: tf.Tensor) => tf.Tensor;

/** ∂/∂x of Σ c ⊙ op(x). */
function vjp(op: UnaryOp, x: tf.Tensor, c: tf.Tensor): Float32Array {
  return tensorValues(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), c)))(x));
}

/** Runs `make` in a tidy, reads the result and disposes it. */
function tensorValues(make: () => tf.Tensor): Float32Array {
  const t = tf.tidy(make);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

interface UnaryOpCase {
  kernel: string;
  builtinName: string;
  ours: UnaryOp;
  builtin: UnaryOp;
  /** Whether tfjs's autodiff of `builtin` has a (correct) second derivative to compare with. */
  builtinHasSecondOrder: boolean;
  reference: Float64Reference;
  /** float64 ∂/∂x Σ dy ⊙ op(x), inputs (x, dy): the first-order gradient that second order differentiates. */
  vjpReference: Float64Reference;
  x: tf.Tensor;
  /**
   * Σ|terms| behind each element of the first-order gradient for cotangent c (float64): an
   * element that is a small difference of larger terms (1 − p for a confident row) carries an
   * fp32 rounding error of u·Σ|terms| in any implementation; that is its absolute floor.
   */
  gradMagnitude?: (x: Float64Array, c: Float64Array) => Float64Array;
  /** Where the upstream gradient is a scalar (a loss). */
  scalarOutput: boolean;
  reductionTerms: number;
}

/** ∂/∂(x, dy) of Σ w ⊙ (∂/∂x Σ dy ⊙ op(x)), by nested tf.grad. */
function secondOrder(op: UnaryOp, x: tf.Tensor, dy: tf.Tensor, w: tf.Tensor): Float32Array[] {
  const grads = tf.tidy(() =>
    tf.grads((t: tf.Tensor, u: tf.Tensor) => {
      const g = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(op(s), u)))(t);
      return tf.sum(tf.mul(g, w));
    })([x, dy]),
  );
  const values = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose(grads);
  return values;
}

function unaryOpRows(spec: UnaryOpCase, seed: number, maxCoordinates: number): CheckRow[] {
  const { kernel, ours, builtin, x } = spec;
  const rng = makeRng(seed, kernel);
  const outShape = spec.scalarOutput ? [] : x.shape;
  const outSize = spec.scalarOutput ? 1 : x.size;
  const c = tf.tensor(normals(outSize, rng), outShape);
  const w = tf.tensor(normals(x.size, rng), x.shape);
  const rows: CheckRow[] = [];
  rows.push(compareRow(kernel, 'forward vs tfjs', tensorValues(() => ours(x)), tensorValues(() => builtin(x)), FP32_VS_FP32));
  const magnitude = spec.gradMagnitude?.(Float64Array.from(x.dataSync()), Float64Array.from(c.dataSync()));
  const gradFloor = magnitude?.map((m) => FP32_VS_FP32.floorUlps * FP32_UNIT_ROUNDOFF * m);
  rows.push(compareRow(`${kernel} ∂/∂x`, 'grad vs tf.grad', vjp(ours, x, c), vjp(builtin, x, c), FP32_VS_FP32, { extraFloor: gradFloor }));
  const tol = fp32VsF64For(spec.reductionTerms);
  const options = { reference: spec.reference, maxCoordinates, seed, tolerance: tol, reductionTerms: spec.reductionTerms };
  // The fd64 rows for both ours and tfjs's built-in: both must meet the same bar.
  const fd = (op: UnaryOp, name: string): CheckRow[] => gradcheck(op, [x], { ...options, name, inputNames: ['x'] }).rows.filter((r) => r.kind === 'grad vs fd64' || name === kernel);
  rows.push(...fd(ours, kernel), ...fd(builtin, spec.builtinName));
  // Second order through the registered gradient: G(x, dy) = ∂/∂x Σ dy ⊙ op(x) by tf.grad (so
  // by our GradConfig); gradcheck differentiates Σ w ⊙ G with respect to x and dy by tf.grads
  // and compares with float64 central differences of the float64 G.
  const firstOrder = (op: UnaryOp) => (t: tf.Tensor, u: tf.Tensor) => tf.grad((s: tf.Tensor) => tf.sum(tf.mul(op(s), u)))(t);
  rows.push(
    ...gradcheck(firstOrder(ours), [x, c], { ...options, reference: spec.vjpReference, name: `${kernel} 2nd order`, inputNames: ['x', 'dy'] })
      .rows.filter((r) => r.kind === 'grad vs fd64')
      .map((r) => ({ ...r, kind: '2nd order vs fd64' })),
  );
  if (spec.builtinHasSecondOrder) {
    const [oursX, oursDy] = secondOrder(ours, x, c, w);
    const [builtinX, builtinDy] = secondOrder(builtin, x, c, w);
    rows.push(compareRow(`${kernel} 2nd order ∂/∂x`, '2nd order vs tf.grad', oursX, builtinX, FP32_VS_FP32));
    rows.push(compareRow(`${kernel} 2nd order ∂/∂dy`, '2nd order vs tf.grad', oursDy, builtinDy, FP32_VS_FP32));
  }
  tf.dispose([c, w]);
  return rows;
}

/**
 * The scale of fp32 rounding error in p = exp(z − logsumexp(z)): the exponent z − lse is rounded
 * at the size of |z| + |lse|, so p carries a relative error of u·(1 + |z| + |lse|), which is
 * ~10 u for logits of size ~10. Returns p ⊙ (1 + |z| + |lse|) per element.
 */
function pScale(z: Float64Array, rows: number, cols: number): Float64Array {
  const logits = mat64(rows, cols, z);
  const lse = logSumExpRows(logits);
  return softmaxRows(logits).data.map((p, i) => p * (1 + Math.abs(z[i]) + Math.abs(lse[Math.floor(i / cols)])));
}

/** Per-op rows: ManualRelu on a hidden-layer-sized input, ManualSoftmax and the loss on logits. */
export function opChecks(options: CheckOptions): CheckRow[] {
  const { layers, batch, seed } = options;
  const maxCoordinates = options.maxCoordinates ?? 64;
  const hidden = layers.length > 2 ? layers[1] : layers[0];
  const classes = layers[layers.length - 1];
  const rng = makeRng(seed, 'op-inputs');
  // relu inputs kept ≥ 1e-3 away from the kink, ≫ 10·h (h = 1e-6·max(1,|x|)) of the differences.
  const xRelu = tf.tensor(normals(batch * hidden, rng).map((v) => v + Math.sign(v) * 1e-3), [batch, hidden]);
  const logits = tf.tensor(normals(batch * classes, rng).map((v) => 3 * v), [batch, classes]);
  const labelsArray = new Float32Array(batch * classes);
  for (let n = 0; n < batch; n++) labelsArray[n * classes + Math.floor(rng() * classes)] = 1;
  const labels = tf.tensor(labelsArray, [batch, classes]);
  const rows: CheckRow[] = [];
  rows.push(
    ...unaryOpRows({ kernel: 'ManualRelu', builtinName: 'tf.relu', ours: manualRelu, builtin: tf.relu, builtinHasSecondOrder: true, reference: relu64, vjpReference: reluVjp64, x: xRelu, scalarOutput: false, reductionTerms: 1 }, seed, maxCoordinates),
  );
  rows.push(
    ...unaryOpRows(
      {
        kernel: 'ManualSoftmax',
        builtinName: 'tf.softmax',
        ours: manualSoftmax,
        builtin: (z) => tf.softmax(z),
        // tfjs has no usable second derivative here: gradients that read a saved *output*
        // (Softmax, Exp) do not link it back to the input on the tape, so tf.grads of
        // tf.softmax's gradient throws and that of exp(z)/Σexp(z) silently drops terms (measured:
        // wrong against float64 differences). Second order is checked against float64 only.
        builtinHasSecondOrder: false,
        reference: softmax64,
        vjpReference: softmaxVjp64,
        // p ⊙ (c − Σ c p): Σ|terms| = p̃ ⊙ (|c| + Σ |c| p̃), p̃ = p's own error scale (see pScale)
        gradMagnitude: (z, c) => {
          const p = pScale(z, batch, classes);
          const out = new Float64Array(p.length);
          for (let n = 0; n < batch; n++) {
            let s = 0;
            for (let k = 0; k < classes; k++) s += Math.abs(c[n * classes + k]) * p[n * classes + k];
            for (let k = 0; k < classes; k++) out[n * classes + k] = p[n * classes + k] * (Math.abs(c[n * classes + k]) + s);
          }
          return out;
        },
        x: logits,
        scalarOutput: false,
        reductionTerms: classes,
      },
      seed,
      maxCoordinates,
    ),
  );
  rows.push(
    ...unaryOpRows(
      {
        kernel: 'ManualSoftmaxCrossEntropy',
        builtinName: 'tf.losses.softmaxCrossEntropy',
        ours: (z) => manualSoftmaxCrossEntropy(labels, z),
        builtin: (z) => tf.losses.softmaxCrossEntropy(labels, z),
        // tf.losses.softmaxCrossEntropy's gradient is a customGrad whose saved log-softmax is off
        // the tape, so tfjs has no second derivative of it either: float64 only.
        builtinHasSecondOrder: false,
        reference: (xs, shapes) => softmaxCrossEntropy64([Float64Array.from(labelsArray), xs[0]], [labels.shape, shapes[0]]),
        vjpReference: (xs, shapes) => softmaxCrossEntropyVjp64([xs[0], xs[1], Float64Array.from(labelsArray)], [shapes[0], shapes[1], labels.shape]),
        // c·(p − y)/N: Σ|terms| = |c|·(p̃ + y)/N
        gradMagnitude: (z, c) => pScale(z, batch, classes).map((p, i) => (Math.abs(c[0]) * (p + labelsArray[i])) / batch),
        x: logits,
        scalarOutput: true,
        reductionTerms: batch * classes,
      },
      seed,
      maxCoordinates,
    ),
  );
  // ∂L/∂labels = −log softmax(z)/N. tfjs's built-in returns (y − p)·dy here instead, so only
  // ours is held to float64 finite differences.
  rows.push(
    ...gradcheck((y, z) => manualSoftmaxCrossEntropy(y, z), [labels, logits], {
      name: 'ManualSoftmaxCrossEntropy',
      inputNames: ['labels', 'logits'],
      wrt: [0],
      reference: softmaxCrossEntropy64,
      maxCoordinates,
      seed,
      tolerance: fp32VsF64For(batch * classes),
      reductionTerms: batch * classes,
    }).rows.filter((r) => r.kind === 'grad vs fd64'),
  );
  tf.dispose([xRelu, logits, labels]);
  return rows;
}

interface MlpData {
  /** Parameters and inputs as float32 values, identical on every backend. */
  weights: Float32Array[];
  biases: Float32Array[];
  x: Float32Array;
  y: Float32Array;
}

function mlpData(options: CheckOptions): MlpData {
  const { layers, batch, seed } = options;
  const params = xavierInit(layers, seed);
  const weights = params.weights.map((w) => w.dataSync() as Float32Array);
  disposeParams(params);
  const rng = makeRng(seed, 'mlp-data');
  // Small non-zero biases, so that db and the bias paths of the forward pass are exercised.
  const biases = layers.slice(1).map((out) => normals(out, rng).map((v) => 0.05 * v));
  const x = Float32Array.from({ length: batch * layers[0] }, () => rng()); // pixel-like values in [0, 1)
  const classes = layers[layers.length - 1];
  const y = new Float32Array(batch * classes);
  for (let n = 0; n < batch; n++) y[n * classes + Math.floor(rng() * classes)] = 1;
  return { weights, biases, x, y };
}

interface MlpReference {
  loss: number;
  dW: Float64Array[];
  db: Float64Array[];
  /** Σ|terms| behind each element of dW_l, db_l (see mlpBackprop64). */
  magnitudeW: Float64Array[];
  magnitudeB: Float64Array[];
  /** Sampled coordinates and their float64 central differences, per W_l and per b_l. */
  fdW: { indices: number[]; values: Float64Array; noise: Float64Array }[];
  fdB: { indices: number[]; values: Float64Array; noise: Float64Array }[];
}

/** The float64 side does not depend on the backend: computed once per options, then reused. */
const referenceCache = new Map<string, MlpReference>();

function mlpReference(options: CheckOptions, data: MlpData): MlpReference {
  const key = JSON.stringify([options.layers, options.batch, options.seed, options.maxCoordinates]);
  const cached = referenceCache.get(key);
  if (cached) return cached;
  const { layers, batch } = options;
  const params64: Mlp64 = {
    weights: data.weights.map((w, l) => mat64(layers[l], layers[l + 1], w)),
    biases: data.biases.map((b) => Float64Array.from(b)),
  };
  const x: Mat64 = mat64(batch, layers[0], data.x);
  const y: Mat64 = mat64(batch, layers[layers.length - 1], data.y);
  const { loss, grads, magnitudes } = mlpBackprop64(params64, x, y, true);
  const rng = makeRng(options.seed, 'mlp-fd');
  const longest = Math.max(batch, ...layers);
  const fdOf = (values: Float64Array, layer: number, which: 'W' | 'b') => {
    const indices = sampleIndices(values.length, options.maxCoordinates ?? 64, rng);
    const noise = Float64Array.from(indices, (i) => fdNoise(FP64_UNIT_ROUNDOFF, Math.abs(loss), fdStep(values[i], FD64_REL_EPS), longest));
    return { indices, values: centralDifferenceAt(mlpLossAlong64(params64, x, y, layer, which), values, indices, FD64_REL_EPS), noise };
  };
  const reference: MlpReference = {
    loss,
    dW: grads.dW.map((m) => m.data),
    db: grads.db,
    magnitudeW: magnitudes?.dW.map((m) => m.data) ?? [],
    magnitudeB: magnitudes?.db ?? [],
    fdW: params64.weights.map((w, l) => fdOf(w.data, l, 'W')),
    fdB: params64.biases.map((b, l) => fdOf(b, l, 'b')),
  };
  referenceCache.set(key, reference);
  return reference;
}

/** Per-parameter rows: manual backprop vs tf.grads vs the float64 analytic gradient vs float64 FD. */
export function mlpChecks(options: CheckOptions): CheckRow[] {
  const { layers, batch } = options;
  const data = mlpData(options);
  const reference = mlpReference(options, data);
  // The longest sum behind any value: a forward matmul (in), a backward matmul (out) or dW (batch).
  const longest = Math.max(batch, ...layers);
  const vsF64 = fp32VsF64For(longest);
  const params: MlpParams = {
    weights: data.weights.map((w, l) => tf.tensor2d(w, [layers[l], layers[l + 1]])),
    biases: data.biases.map((b) => tf.tensor1d(b)),
  };
  const x = tf.tensor2d(data.x, [batch, layers[0]]);
  const y = tf.tensor2d(data.y, [batch, layers[layers.length - 1]]);
  const manual = manualBackprop(params, x, y);
  const auto = autodiffBackprop(params, x, y);
  const rows: CheckRow[] = [];
  const manualLoss = manual.loss.dataSync();
  rows.push(compareRow('loss', 'manual vs autodiff', manualLoss, auto.loss.dataSync(), FP32_VS_FP32));
  rows.push(compareRow('loss', 'manual vs float64', manualLoss, [reference.loss], vsF64, { reductionTerms: longest }));
  const grads = (g: ParamGrads) => [...g.dW, ...g.db].map((t) => t.dataSync() as Float32Array);
  const manualGrads = grads(manual.grads);
  const autoGrads = grads(auto.grads);
  const L = layers.length - 1;
  const names = [...Array.from({ length: L }, (_, l) => `W${l + 1}`), ...Array.from({ length: L }, (_, l) => `b${l + 1}`)];
  const f64 = [...reference.dW, ...reference.db];
  const fd = [...reference.fdW, ...reference.fdB];
  const magnitudes = [...reference.magnitudeW, ...reference.magnitudeB];
  names.forEach((name, p) => {
    const ours = manualGrads[p];
    // Elements that come out of cancelling sums are judged against the rounding error of the
    // sum, FLOOR_ULPS·u·Σ|terms| (see compare/tolerances.ts), not against their own tiny size.
    const sumFloor = (tol: Tolerance) => magnitudes[p].map((m) => tol.floorUlps * FP32_UNIT_ROUNDOFF * m);
    rows.push(compareRow(name, 'manual vs autodiff', ours, autoGrads[p], FP32_VS_FP32, { extraFloor: sumFloor(FP32_VS_FP32) }));
    rows.push(compareRow(name, 'manual vs float64', ours, f64[p], vsF64, { reductionTerms: longest, extraFloor: sumFloor(vsF64) }));
    rows.push(compareRow(name, 'autodiff vs float64', autoGrads[p], f64[p], vsF64, { reductionTerms: longest, extraFloor: sumFloor(vsF64) }));
    let scale = 0;
    for (const v of f64[p]) scale = Math.max(scale, Math.abs(v));
    const { indices, values, noise } = fd[p];
    const sample = (arr: ArrayLike<number>) => indices.map((i) => arr[i]);
    const fdFloor = indices.map((i, n) => Math.max(noise[n], vsF64.floorUlps * FP32_UNIT_ROUNDOFF * magnitudes[p][i]));
    rows.push(compareRow(name, 'manual vs fd64', sample(ours), values, vsF64, { scale, reductionTerms: longest, extraFloor: fdFloor, total: ours.length }));
    rows.push(compareRow(name, 'float64 vs fd64', sample(f64[p]), values, F64_VS_FD64, { scale, extraFloor: noise, total: ours.length }));
  });
  tf.dispose([manual.loss, auto.loss, ...manual.grads.dW, ...manual.grads.db, ...auto.grads.dW, ...auto.grads.db, x, y]);
  disposeParams(params);
  return rows;
}

/** All checks on the active backend; registers the custom ops (idempotent). Leaks are a failing row. */
export function runChecks(options: CheckOptions = DEFAULT_CHECK_OPTIONS): CheckReport {
  validateCheckOptions(options);
  registerCustomOps();
  const before = tf.memory().numTensors;
  const checks = [...opChecks(options), ...mlpChecks(options)];
  const leaked = tf.memory().numTensors - before;
  checks.push({ name: 'tf.memory().numTensors after − before', kind: 'leak check', maxAbsErr: leaked, maxRelErr: leaked, tol: 0, pass: leaked === 0, checked: 1, total: 1 });
  return { backend: tf.getBackend(), checks };
}

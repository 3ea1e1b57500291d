/**
 * The compare command's checks on the active tfjs backend: every handgrad kernel by opcheck (its
 * kernel cases, against the cpu backend and fp32 finite differences), then every parameter
 * gradient of an MLP three ways (manual backprop, autodiff, float64 reference).
 * Pure tfjs (no node: imports), so a web page can bundle it and run it on webgl.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomOps } from '../../custom-ops/index.js';
import { autodiffBackprop, manualBackprop, type ParamGrads } from '../model/backprop.js';
import { disposeParams, type MlpParams, xavierInit } from '../model/mlp.js';
import { centralDifferenceAt, fdStep, type Mat64, mat64 } from '../../gradcheck/reference/index.js';
import { type Mlp64, mlpBackprop64, mlpLossAlong64 } from '../reference/mlp64.js';
import { customKernelCases, opcheckCases } from '../../gradcheck/kernel_cases.js';
import { makeRng, normals, sampleIndices } from '../../gradcheck/random.js';
import { type CheckRow, compareRow } from '../../gradcheck/rows.js';
import { F64_VS_FD64, FD64_REL_EPS, FP32_UNIT_ROUNDOFF, FP32_VS_FP32, FP64_UNIT_ROUNDOFF, fdNoise, fp32VsF64For, type Tolerance } from '../../gradcheck/tolerances.js';

export type { CheckRow } from '../../gradcheck/rows.js';

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

/** Per-kernel rows: opcheck of every handgrad kernel on the active backend (named "<kernel> [<backend>]"). */
export async function kernelChecks(options: CheckOptions): Promise<CheckRow[]> {
  const results = await opcheckCases(customKernelCases(options.seed), { backends: [tf.getBackend()], seed: options.seed });
  return results.flatMap((r) => r.backends.flatMap((b) => b.checks));
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
    // sum, FLOOR_ULPS·u·Σ|terms| (see gradcheck/tolerances.ts), not against their own tiny size.
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

export interface CheckStage {
  label: string;
  run: (options: CheckOptions) => CheckRow[] | Promise<CheckRow[]>;
}

export const CHECK_STAGES: readonly CheckStage[] = [
  { label: 'every handgrad kernel (opcheck): against the cpu backend and fp32 finite differences', run: kernelChecks },
  { label: 'every ∂L/∂W and ∂L/∂b of the MLP: manual backprop, autodiff, float64, finite differences', run: mlpChecks },
];

export type OnCheckStage = (stage: number, stages: number, label: string, rowsDone: number) => void;

/**
 * All checks on the active backend, stage by stage; registers the custom ops (idempotent). Leaks
 * are a failing row. `onStage` hears before each stage, with the rows so far (a page shows progress).
 */
export async function runChecks(options: CheckOptions = DEFAULT_CHECK_OPTIONS, onStage?: OnCheckStage): Promise<CheckReport> {
  validateCheckOptions(options);
  registerCustomOps();
  const backend = tf.getBackend();
  const before = tf.memory().numTensors;
  const checks: CheckRow[] = [];
  for (const [i, stage] of CHECK_STAGES.entries()) {
    if (onStage !== undefined) {
      onStage(i + 1, CHECK_STAGES.length, stage.label, checks.length);
      // Lets the stage message leave before the synchronous checks hold the thread.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    checks.push(...(await stage.run(options)));
  }
  const leaked = tf.memory().numTensors - before;
  checks.push({ name: 'tf.memory().numTensors after − before', kind: 'leak check', maxAbsErr: leaked, maxRelErr: leaked, tol: 0, pass: leaked === 0, checked: 1, total: 1 });
  return { backend, checks };
}

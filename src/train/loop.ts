/**
 * The training loop, pure tfjs (no Node imports) so the browser runner can bundle it.
 * Per epoch: shuffle (seedrandom, whose state is part of the checkpoint), mini-batch steps,
 * then loss and accuracy on train/valid/test.
 *
 * Which parameters the metrics refer to: valid/test (and train, with mini-batches) are measured
 * after the epoch's updates. With a full batch the epoch is one step whose forward pass already
 * covers the whole training set, so the train loss/accuracy are that pass's: at the parameters the
 * epoch started from (one update behind valid/test), which saves a second forward over the
 * training set every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { batchOf, type Batch, type Dataset, type Split } from '../data/dataset.js';
import { forwardLogits, xavierInit, type MlpParams } from '../model/mlp.js';
import { EVAL_CHUNK, type TrainConfig } from './config.js';
import { FusedMlp } from './fused.js';
import { disposeOptimizerState, initOptimizerState, type OptimizerState } from './optimizers.js';
import { paramList, trainStep } from './step.js';

/** seedrandom's ARC4 state (its State.Arc4), spelled out so the package's types need no @types/seedrandom. */
export type RngState = { i: number; j: number; S: number[] };
export type TensorSplit = { x: tf.Tensor2D; labels: tf.Tensor1D; n: number };
/**
 * A split's rows for evaluation: consecutive blocks of at most EVAL_CHUNK rows, each its own tensor,
 * uploaded once per run and read as they are every epoch. Slicing chunks out of one whole tensor
 * instead costs, on tfjs-backend-wasm, a copy of the whole tensor per slice: its Slice kernel reads
 * its input out of the wasm heap with readSync before copying the slice.
 */
export type EvalRows = { blocks: TensorSplit[]; n: number };
export type TensorData = {
  train: TensorSplit;
  valid: TensorSplit;
  test: TensorSplit;
  classes: number;
  /** The rows evaluation reads: the training rows, and the valid rows then the test rows (one forward pass evaluates both). */
  evalRows: { train: EvalRows; heldOut: EvalRows };
  /** The training rows as host arrays (those train.x and train.labels were made from): mini-batches are copied from here. */
  trainRows: Split;
  /** The valid rows then the test rows as host arrays, for evaluation that reads host memory (the fused trainer). */
  heldOutRows: Split;
};

/** Loss (mean cross-entropy) and accuracy on the three splits after one epoch. */
export type SplitsMetrics = {
  /** Full batch: at the parameters before the epoch's update (from the step's own forward pass); else after it. */
  trainLoss: number;
  trainAcc: number;
  validLoss: number;
  validAcc: number;
  testLoss: number;
  testAcc: number;
};

export type EpochMetrics = SplitsMetrics & {
  epoch: number;
  /** Wall seconds of the epoch's training steps, GPU work included (evaluation excluded). */
  seconds: number;
  /** Wall seconds of the evaluation on the three splits. */
  evalSeconds: number;
};

export type TrainState = {
  params: MlpParams;
  optimizerState: OptimizerState;
  /** Completed epochs. */
  epoch: number;
  rngState: RngState;
  history: EpochMetrics[];
};

/** What a step leaves for the onStep hook: tensors owned by the loop, valid until the hook's promise settles. */
export type BatchStep = {
  /** The batch's mean cross-entropy at the parameters the step started from. */
  loss: tf.Scalar;
  /** The parameters after the step. */
  params: MlpParams;
};

export type TrainHooks = {
  /** After each mini-batch step of the current epoch. */
  onBatch?: (epoch: number, batch: number, batches: number) => void;
  /** After onBatch, awaited: a hook may read the step's tensors, or yield so that a stop request arrives. */
  onStep?: (step: BatchStep) => void | Promise<void>;
  /** After each completed epoch, with the new state (still owned by the loop). */
  onEpoch?: (metrics: EpochMetrics, state: TrainState) => void | Promise<void>;
  /** Polled between batches; true stops the run, discarding the unfinished epoch. */
  shouldStop?: () => boolean;
};

export type TrainResult = { state: TrainState; stopped: boolean };

export type TrainOptions = {
  /**
   * Take the fused path (src/train/fused.ts: one call per step and per evaluated split) when the
   * backend offers it, the gradients are the hand-derived ones and no onStep hook wants each step's
   * tensors (default true); false keeps the per-kernel path, the reference.
   */
  fused?: boolean;
};

function splitToTensors(split: Split, features: number): TensorSplit {
  return { x: tf.tensor2d(split.x, [split.n, features], 'float32'), labels: tf.tensor1d(split.labels, 'int32'), n: split.n };
}

function concatArrays<T extends Float32Array | Int32Array>(out: T, first: T, second: T): T {
  out.set(first);
  out.set(second, first.length);
  return out;
}

/** `split`'s rows as evaluation blocks, each made from its rows of the host arrays (no slice kernel). */
export function evalRowsOf(split: Split, features: number): EvalRows {
  const blocks: TensorSplit[] = [];
  for (let start = 0; start < split.n; start += EVAL_CHUNK) {
    const end = Math.min(split.n, start + EVAL_CHUNK);
    const rows = { x: split.x.subarray(start * features, end * features), labels: split.labels.subarray(start, end), n: end - start };
    blocks.push(splitToTensors(rows, features));
  }
  return { blocks, n: split.n };
}

export function toTensorData(data: Dataset): TensorData {
  const { valid, test, features } = data;
  const heldOut: Split = {
    x: concatArrays(new Float32Array(valid.x.length + test.x.length), valid.x, test.x),
    labels: concatArrays(new Int32Array(valid.labels.length + test.labels.length), valid.labels, test.labels),
    n: valid.n + test.n,
  };
  const train = splitToTensors(data.train, features);
  return {
    train,
    valid: splitToTensors(valid, features),
    test: splitToTensors(test, features),
    classes: data.classes,
    // A training set of one block is evaluated from its whole tensor, not a second copy.
    evalRows: { train: train.n <= EVAL_CHUNK ? { blocks: [train], n: train.n } : evalRowsOf(data.train, features), heldOut: evalRowsOf(heldOut, features) },
    trainRows: data.train,
    heldOutRows: heldOut,
  };
}

/** Disposes every tensor of `data` (a tensor shared by two fields is disposed once). */
export function disposeTensorData(data: TensorData): void {
  const { train, heldOut } = data.evalRows;
  for (const s of [data.train, data.valid, data.test, ...train.blocks, ...heldOut.blocks]) tf.dispose([s.x, s.labels]);
}

/** Seeded parameters (Xavier), zero optimizer slots, and the shuffle RNG seeded from `seed`. */
export function initTrainState(config: TrainConfig): TrainState {
  const params = xavierInit(config.layers, config.seed);
  const rng = seedrandom(`handgrad-shuffle-${config.seed}`, { state: true });
  return { params, optimizerState: initOptimizerState(config.optimizer, paramList(params)), epoch: 0, rngState: rng.state(), history: [] };
}

export function disposeTrainState(state: TrainState): void {
  tf.dispose(paramList(state.params));
  disposeOptimizerState(state.optimizerState);
}

/** Fisher–Yates permutation of 0..n−1 drawn from a stateful seedrandom; returns the new RNG state. */
export function shuffledIndices(n: number, rngState: RngState): { indices: Int32Array; rngState: RngState } {
  const rng = seedrandom('', { state: rngState });
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return { indices, rngState: rng.state() };
}

/** Per row n: the cross-entropy logsumexp(Z_n) − Z_{n,y_n}, and 1 when argmax Z_n = y_n else 0. */
function rowLossAndHit(z: tf.Tensor2D, labels: tf.Tensor1D, classes: number): { loss: tf.Tensor1D; hit: tf.Tensor1D } {
  const picked = tf.sum(tf.mul(z, tf.oneHot(labels, classes).toFloat()), 1);
  return { loss: tf.sub(tf.logSumExp(z, 1), picked), hit: tf.equal(tf.argMax(z, 1), labels).toFloat() as tf.Tensor1D };
}

export type SplitMetrics = { loss: number; acc: number };

type RangePart = { i: number; from: number; to: number };

/** evaluateRanges' blocks: per block, a tensor of [loss sum, hit count] per range part it overlaps. */
function* rangeChunks(params: MlpParams, rows: EvalRows, classes: number, ends: readonly number[]): Generator<{ sums: tf.Tensor; parts: RangePart[] }> {
  let start = 0;
  for (const block of rows.blocks) {
    const end = start + block.n;
    // The ranges this block overlaps, in block-relative rows.
    const parts = ends
      .map((rangeEnd, i) => ({ i, from: Math.max(start, i === 0 ? 0 : ends[i - 1]) - start, to: Math.min(end, rangeEnd) - start }))
      .filter((p) => p.from < p.to);
    const sums = tf.tidy(() => {
      const { loss, hit } = rowLossAndHit(forwardLogits(params, block.x), block.labels, classes);
      return tf.stack(parts.flatMap((p) => [tf.sum(loss.slice([p.from], [p.to - p.from])), tf.sum(hit.slice([p.from], [p.to - p.from]))]));
    });
    yield { sums, parts };
    start = end;
  }
}

function rangeTotals(ends: readonly number[]): { loss: number; hits: number }[] {
  return ends.map(() => ({ loss: 0, hits: 0 }));
}

function addChunk(totals: { loss: number; hits: number }[], parts: RangePart[], values: ArrayLike<number>): void {
  parts.forEach((p, k) => {
    totals[p.i].loss += values[2 * k];
    totals[p.i].hits += values[2 * k + 1];
  });
}

function rangeMetrics(totals: { loss: number; hits: number }[], ends: readonly number[]): SplitMetrics[] {
  return totals.map((t, i) => {
    const rows = ends[i] - (i === 0 ? 0 : ends[i - 1]);
    return { loss: t.loss / rows, acc: t.hits / rows };
  });
}

/**
 * Mean cross-entropy L = (1/N) Σ_n (logsumexp(Z_n) − Z_{n,y_n}) and accuracy of each consecutive row
 * range of `rows` (range i ends at row ends[i]), through the cheapest forward pass (forwardLogits:
 * fused matmul + bias + relu) one block at a time, one device read per block. The same numbers for
 * either gradient mode.
 */
export function evaluateRanges(params: MlpParams, rows: EvalRows, classes: number, ends: readonly number[]): SplitMetrics[] {
  const totals = rangeTotals(ends);
  for (const { sums, parts } of rangeChunks(params, rows, classes, ends)) {
    const values = sums.dataSync();
    sums.dispose();
    addChunk(totals, parts, values);
  }
  return rangeMetrics(totals, ends);
}

/**
 * evaluateRanges with asynchronous device reads, as the trainer uses: tfjs's webgpu backend reads
 * synchronously by drawing through a canvas, after which Chromium's WebGPU device can no longer map
 * buffers (every later async read fails); on webgl a synchronous read blocks the page.
 */
export async function evaluateRangesAsync(params: MlpParams, rows: EvalRows, classes: number, ends: readonly number[]): Promise<SplitMetrics[]> {
  const totals = rangeTotals(ends);
  for (const { sums, parts } of rangeChunks(params, rows, classes, ends)) {
    const values = await sums.data();
    sums.dispose();
    addChunk(totals, parts, values);
  }
  return rangeMetrics(totals, ends);
}

/**
 * Loss and accuracy of one split (see evaluateRanges): of its evaluation blocks, or of a whole split,
 * which is sliced into blocks of EVAL_CHUNK rows for this call.
 */
export function evaluate(params: MlpParams, rows: EvalRows | TensorSplit, classes: number): SplitMetrics {
  if ('blocks' in rows) return evaluateRanges(params, rows, classes, [rows.n])[0];
  if (rows.n <= EVAL_CHUNK) return evaluateRanges(params, { blocks: [rows], n: rows.n }, classes, [rows.n])[0];
  const blocks: TensorSplit[] = [];
  for (let start = 0; start < rows.n; start += EVAL_CHUNK) {
    const n = Math.min(EVAL_CHUNK, rows.n - start);
    blocks.push({ x: rows.x.slice([start, 0], [n, -1]), labels: rows.labels.slice([start], [n]), n });
  }
  try {
    return evaluateRanges(params, { blocks, n: rows.n }, classes, [rows.n])[0];
  } finally {
    for (const block of blocks) tf.dispose([block.x, block.labels]);
  }
}

/** Valid and test metrics from one forward pass over the held-out rows. */
async function evaluateHeldOut(params: MlpParams, data: TensorData): Promise<{ valid: SplitMetrics; test: SplitMetrics }> {
  const [valid, test] = await evaluateRangesAsync(params, data.evalRows.heldOut, data.classes, [data.valid.n, data.valid.n + data.test.n]);
  return { valid, test };
}

/** Loss and accuracy of the whole training set from the logits of a full-batch step. */
async function metricsFromLogits(z: tf.Tensor2D, split: TensorSplit, classes: number): Promise<SplitMetrics> {
  const [lossSum, hits] = await readPair(
    tf.tidy(() => {
      const { loss, hit } = rowLossAndHit(z, split.labels, classes);
      return tf.stack([tf.sum(loss), tf.sum(hit)]) as tf.Tensor1D;
    }),
  );
  return { loss: lossSum / split.n, acc: hits / split.n };
}

/** The two values of a [2] tensor, which is then disposed. */
async function readPair(t: tf.Tensor1D): Promise<[number, number]> {
  const [a, b] = await t.data();
  t.dispose();
  return [a, b];
}

/** Every this many ms of steps, the loop gives the event loop a turn (see makeYielder). */
export const YIELD_EVERY_MS = 50;

/**
 * One event-loop turn that includes an I/O poll, where Node reads pending signals: two chained
 * setImmediate calls (one would run in the same iteration's check phase, without a poll, when the
 * caller was resumed from an I/O callback). A 0 ms timer where setImmediate does not exist (browsers).
 */
const nextTurn = (): Promise<void> =>
  new Promise<void>((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(() => setImmediate(resolve));
    else setTimeout(resolve, 0);
  });

/**
 * Lets signal handlers (Ctrl-C, SIGTERM), timers and the browser runner's messages run between
 * batches: a step keeps the event loop busy, and a signal is only delivered when it gets a turn. A
 * turn costs a few microseconds, taken at most every YIELD_EVERY_MS, so a stop request is seen
 * within that time plus one step.
 */
function makeYielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < YIELD_EVERY_MS) return;
    last = now;
    await nextTurn();
  };
}

function batchesOf(n: number, batchSize: number): number {
  return batchSize === 0 ? 1 : Math.ceil(n / batchSize);
}

/** The whole training set as one batch: X and its one-hot Y. */
function wholeTrainingSet(data: TensorData): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => [data.train.x.clone(), tf.oneHot(data.train.labels, data.classes).toFloat() as tf.Tensor2D]);
}

/**
 * The rows `idx` of the training set as X and one-hot Y, copied on the host into `staging` (no gather
 * kernel) and made tensors. cpu and native adopt the arrays rather than copy them, so `staging` may be
 * refilled only after the step has consumed these tensors and they are disposed (the loop does so).
 */
function miniBatch(data: TensorData, idx: Int32Array, staging: Batch): [tf.Tensor2D, tf.Tensor2D] {
  const features = data.train.x.shape[1];
  const batch = batchOf(data.trainRows, idx, features, data.classes, staging);
  return [tf.tensor2d(batch.x, [batch.rows, features], 'float32'), tf.tensor2d(batch.yOneHot, [batch.rows, data.classes], 'float32')];
}

type EpochOutcome = {
  state: TrainState;
  stopped: boolean;
  /** Full batch only: the whole training set's logits from the step's forward pass (parameters before the update); the caller disposes them. */
  trainLogits?: tf.Tensor2D;
  /** Full batch on the fused path: the train metrics of the step's forward pass (parameters before the update). */
  trainMetrics?: SplitMetrics;
};

/** One epoch of steps; returns the new state pieces, or `stopped` with the partial state to dispose. */
async function runEpoch(config: TrainConfig, data: TensorData, state: TrainState, hooks: TrainHooks, yieldNow: () => Promise<void>): Promise<EpochOutcome> {
  const n = data.train.n;
  const { indices, batchSize, batches, rngState } = epochPlan(config, n, state.rngState);
  const fullBatch = batches === 1;
  const staging: Batch = { x: new Float32Array(fullBatch ? 0 : batchSize * data.train.x.shape[1]), yOneHot: new Float32Array(fullBatch ? 0 : batchSize * data.classes), rows: 0 };
  let params = state.params;
  let optimizerState = state.optimizerState;
  let trainLogits: tf.Tensor2D | undefined;
  for (let b = 0; b < batches; b++) {
    if (hooks.shouldStop?.()) {
      return { state: { ...state, params, optimizerState }, stopped: true };
    }
    const [x, y] = indices === null ? wholeTrainingSet(data) : miniBatch(data, indices.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)), staging);
    const result = trainStep(params, optimizerState, x, y, config, fullBatch);
    trainLogits = result.logits;
    tf.dispose([x, y]);
    params = result.params;
    optimizerState = result.optimizerState;
    hooks.onBatch?.(state.epoch + 1, b + 1, batches);
    try {
      await hooks.onStep?.({ loss: result.loss, params });
    } finally {
      result.loss.dispose();
    }
    await yieldNow();
  }
  // webgl only queues GPU programs; reading the last-updated tensors waits for the epoch's work, so
  // the epoch time is the compute time on every backend (a few hundred floats, free on cpu/wasm).
  await Promise.all(params.biases.map((bias) => bias.data()));
  return { state: { ...state, params, optimizerState, rngState }, stopped: false, trainLogits };
}

/** The epoch's batches: the shuffled order (null for a full batch: the data as is), its size, and the RNG state after the shuffle. */
function epochPlan(config: TrainConfig, n: number, rngState: RngState): { indices: Int32Array | null; batchSize: number; batches: number; rngState: RngState } {
  const batchSize = config.batchSize === 0 ? n : Math.min(config.batchSize, n);
  const batches = batchesOf(n, config.batchSize);
  // Full batch: the mean gradient does not depend on order, so the data is used as is.
  const shuffled = batches === 1 ? { indices: null, rngState } : shuffledIndices(n, rngState);
  return { ...shuffled, batchSize, batches };
}

/**
 * runEpoch on the fused path: the same batches in the same order, each one call of the fused trainer;
 * the state's tensors are replaced by new ones when the epoch ends or stops. A full batch's train
 * metrics come from the step's own forward pass, as on the per-kernel path.
 */
async function runFusedEpoch(
  config: TrainConfig,
  data: TensorData,
  state: TrainState,
  hooks: TrainHooks,
  yieldNow: () => Promise<void>,
  fused: FusedMlp,
): Promise<EpochOutcome> {
  const n = data.train.n;
  const { indices, batchSize, batches, rngState } = epochPlan(config, n, state.rngState);
  fused.load(state.params, state.optimizerState);
  let step = state.optimizerState.step;
  let last = { loss: 0, hits: 0 };
  const tensorsNow = (): Pick<TrainState, 'params' | 'optimizerState'> => fused.replace(state.params, state.optimizerState, step);
  for (let b = 0; b < batches; b++) {
    if (hooks.shouldStop?.()) return { state: { ...state, ...tensorsNow() }, stopped: true };
    last = fused.step(indices, b * batchSize, Math.min(n, (b + 1) * batchSize), ++step);
    hooks.onBatch?.(state.epoch + 1, b + 1, batches);
    await yieldNow();
  }
  const trainMetrics = batches === 1 ? { loss: last.loss, acc: last.hits / n } : undefined;
  return { state: { ...state, ...tensorsNow(), rngState }, stopped: false, trainMetrics };
}

type EpochSplitsMetrics = { train: SplitMetrics; valid: SplitMetrics; test: SplitMetrics };

/** Train, valid and test metrics after an epoch of the per-kernel path (disposes a full batch's train logits). */
async function epochMetrics(data: TensorData, epoch: EpochOutcome): Promise<EpochSplitsMetrics> {
  const { params } = epoch.state;
  const { trainLogits } = epoch;
  const train =
    trainLogits === undefined ? (await evaluateRangesAsync(params, data.evalRows.train, data.classes, [data.train.n]))[0] : await metricsFromLogits(trainLogits, data.train, data.classes);
  trainLogits?.dispose();
  return { train, ...(await evaluateHeldOut(params, data)) };
}

/** Train, valid and test metrics after an epoch, through the fused trainer (one call per split, or per range of the held-out rows). */
function fusedEpochMetrics(fused: FusedMlp, data: TensorData, trainMetrics: SplitMetrics | undefined): EpochSplitsMetrics {
  const train = trainMetrics ?? fused.evaluateRanges(data.trainRows, [data.train.n], EVAL_CHUNK)[0];
  const [valid, test] = fused.evaluateRanges(data.heldOutRows, [data.valid.n, data.valid.n + data.test.n], EVAL_CHUNK);
  return { train, valid, test };
}

/** Trains from `state.epoch` up to `config.epochs`, calling the hooks; consumes `state`. */
export async function trainEpochs(config: TrainConfig, data: TensorData, state: TrainState, hooks: TrainHooks = {}, options: TrainOptions = {}): Promise<TrainResult> {
  let current = state;
  // One yielder for the whole run: epochs shorter than YIELD_EVERY_MS still give the event loop its turns.
  const yieldNow = makeYielder();
  const fused = options.fused !== false && hooks.onStep === undefined ? FusedMlp.forRun(config, data.trainRows) : null;
  try {
    while (current.epoch < config.epochs) {
      const t0 = performance.now();
      const epochResult = fused === null ? await runEpoch(config, data, current, hooks, yieldNow) : await runFusedEpoch(config, data, current, hooks, yieldNow, fused);
      if (epochResult.stopped) return { state: epochResult.state, stopped: true };
      const t1 = performance.now();
      const { train, valid, test } = fused === null ? await epochMetrics(data, epochResult) : fusedEpochMetrics(fused, data, epochResult.trainMetrics);
      const metrics: EpochMetrics = {
        epoch: current.epoch + 1,
        trainLoss: train.loss,
        trainAcc: train.acc,
        validLoss: valid.loss,
        validAcc: valid.acc,
        testLoss: test.loss,
        testAcc: test.acc,
        seconds: (t1 - t0) / 1000,
        evalSeconds: (performance.now() - t1) / 1000,
      };
      current = { ...epochResult.state, epoch: current.epoch + 1, history: [...current.history, metrics] };
      await hooks.onEpoch?.(metrics, current);
      await yieldNow();
      if (hooks.shouldStop?.()) return { state: current, stopped: true };
    }
    return { state: current, stopped: false };
  } finally {
    fused?.release();
  }
}

/** A train loss above this many times max(ln C, the best train loss so far) counts as divergence. */
export const DIVERGENCE_FACTOR = 100;

/**
 * Why epoch `m` diverged, or null when it did not: a non-finite loss on any split, or a train loss
 * DIVERGENCE_FACTOR times above both ln C (the loss of a uniform guess, where training starts) and
 * the best train loss of `history` (the epochs before `m`).
 */
export function divergence(m: EpochMetrics, history: readonly EpochMetrics[], classes: number): string | null {
  for (const [name, loss] of [['train', m.trainLoss], ['valid', m.validLoss], ['test', m.testLoss]] as const) {
    if (!Number.isFinite(loss)) return `${name} loss ${loss}`;
  }
  const best = history.reduce((b, h) => (h.epoch < m.epoch && h.trainLoss < b ? h.trainLoss : b), Number.POSITIVE_INFINITY);
  const reference = Math.max(Math.log(classes), Number.isFinite(best) ? best : 0);
  if (m.trainLoss > DIVERGENCE_FACTOR * reference) return `train loss ${m.trainLoss.toPrecision(3)}, over ${DIVERGENCE_FACTOR}× ${reference.toPrecision(3)}`;
  return null;
}

/**
 * The fused path (src/train/fused.ts: one native call, or one TF session run, per step and per
 * evaluated chunk) against the per-kernel path on the same backend: the same batches in the same
 * order, per-step losses and final parameters and slots within `rtol`, for each optimizer and any
 * depth; the evaluation; a resumed run; full batch; no tensor growth. Run by fused_step.test.ts
 * (native, fp32 vs fp32) and fused_tensorflow_graph.test.ts (tensorflow's plain graph, bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it as vitestIt } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { probeBackend, useBackend } from '../../src/backends.js';
import { batchOf, type Dataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import { ADAM_DEFAULTS, DEFAULT_LR, EVAL_CHUNK, type OptimizerKind, type TrainConfig } from '../../src/train/config.js';
import { FusedMlp } from '../../src/train/fused.js';
import {
  disposeTensorData,
  disposeTrainState,
  evaluateRanges,
  initTrainState,
  shuffledIndices,
  toTensorData,
  trainEpochs,
  type TensorData,
  type TrainState,
} from '../../src/train/loop.js';
import { paramList, trainStep } from '../../src/train/step.js';
import { restoreTrainState, snapshotTrainState } from '../../src/train/snapshot.js';
import { maxRelError } from '../native/helpers.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { backendAvailability } from '../helpers/requirements.js';

const OPTIMIZERS: OptimizerKind[] = ['sgd', 'momentum', 'adam'];
/** 2000 rows in batches of 32: 63 steps an epoch; 4 epochs = 252 steps. */
const BATCH = 32;
const EPOCHS = 4;

function config(kind: OptimizerKind, layers: number[], batchSize = BATCH): TrainConfig {
  return { layers, seed: 3, grad: 'manual', optimizer: { kind, lr: DEFAULT_LR[kind] / 4, momentum: 0.9, ...ADAM_DEFAULTS }, batchSize, epochs: EPOCHS };
}

/** Every parameter and slot of a state, read to the host, in a fixed order. */
function stateValues(state: TrainState): Float32Array[] {
  const slots = Object.keys(state.optimizerState.slots).sort().flatMap((name) => state.optimizerState.slots[name]);
  return [...paramList(state.params), ...slots].map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

/** The largest fp32 vs fp32 relative error over a list of arrays. */
function worstError(actual: Float32Array[], expected: Float32Array[]): number {
  expect(actual.length).toBe(expected.length);
  return Math.max(...actual.map((a, i) => maxRelError(a, expected[i])));
}

/**
 * The suite for one backend; `rtol` bounds every relative difference of the training (0: bit for
 * bit). The evaluation's loss is another formula than the per-kernel evaluation's (fused: the CE
 * kernel's; per-kernel: logsumexp − z_y), and the metrics are accumulated in their own orders, so
 * losses in the history and the evaluation are held to fp32 vs fp32 whatever `rtol` is.
 */
export async function describeFusedTrainer(name: 'native' | 'tensorflow', rtol: number, title = ''): Promise<void> {
  const availability = backendAvailability(await probeBackend(name));
  describe(`fused training step on ${name}${title} vs the per-kernel path${availability.skipNote}`, () => suite(name, availability.available, rtol));
}

function suite(name: 'native' | 'tensorflow', available: boolean, rtol: number): void {
  let dataset: Dataset;
  let data: TensorData;

  beforeAll(async () => {
    if (!available) return;
    expect(await useBackend(name)).toBe(name);
    registerCustomOps();
    dataset = loadDataset('mnist', { trainSize: 2000, validSize: 600, testSize: 400 });
    data = toTensorData(dataset);
    return () => disposeTensorData(data);
  });

  async function train(c: TrainConfig, fused: boolean, from?: TrainState): Promise<TrainState> {
    const start = from ?? initTrainState(c);
    return (await trainEpochs(c, data, start, {}, { fused })).state;
  }

  const it = available ? vitestIt : vitestIt.skip;
  it.each(OPTIMIZERS)('%s, 784-64-32-10: per-step losses, then parameters and slots after 63 steps', (kind) => {
    const c = config(kind, [784, 64, 32, 10]);
    const state = initTrainState(c);
    const fused = FusedMlp.forRun(c, data.trainRows);
    expect(fused, `the ${name} backend offers a fused trainer`).not.toBeNull();
    fused!.load(state.params, state.optimizerState);
    const n = data.train.n;
    const { indices } = shuffledIndices(n, state.rngState);
    let { params, optimizerState } = state;
    const lossErrors: number[] = [];
    for (let b = 0; b * BATCH < n; b++) {
      const end = Math.min(n, (b + 1) * BATCH);
      const ours = fused!.step(indices, b * BATCH, end, b + 1);
      const batch = batchOf(data.trainRows, indices.subarray(b * BATCH, end), 784, 10);
      const x = tf.tensor2d(batch.x, [batch.rows, 784]);
      const y = tf.tensor2d(batch.yOneHot, [batch.rows, 10]);
      const step = trainStep(params, optimizerState, x, y, c);
      const loss = step.loss.dataSync()[0];
      lossErrors.push(Math.abs(ours.loss - loss) / Math.abs(loss));
      tf.dispose([x, y, step.loss]);
      ({ params, optimizerState } = step);
    }
    expect(Math.max(...lossErrors)).toBeLessThanOrEqual(rtol);
    const reference: TrainState = { ...state, params, optimizerState };
    const expected = stateValues(reference);
    const after = fused!.replace(params, optimizerState, optimizerState.step);
    const actual = stateValues({ ...reference, ...after });
    expect(after.optimizerState.step).toBe(63);
    expect(worstError(actual, expected)).toBeLessThanOrEqual(rtol);
    disposeTrainState({ ...reference, ...after });
  });

  it.each(OPTIMIZERS)('%s, 784-256-10 through trainEpochs: 4 epochs (252 steps) agree, metrics too, no tensor growth', async (kind) => {
    const c = config(kind, [784, 256, 10]);
    const before = tf.memory().numTensors;
    const reference = await train(c, false);
    const afterReference = tf.memory().numTensors;
    const fused = await train(c, true);
    // The fused run holds exactly the tensors the per-kernel run holds: its state.
    expect(tf.memory().numTensors - afterReference).toBe(afterReference - before);
    expect(fused.optimizerState.step).toBe(reference.optimizerState.step);
    expect(fused.optimizerState.step).toBe(EPOCHS * 63);
    expect(fused.rngState).toEqual(reference.rngState);
    expect(worstError(stateValues(fused), stateValues(reference))).toBeLessThanOrEqual(rtol);
    for (const [m, r] of fused.history.map((h, i) => [h, reference.history[i]] as const)) {
      for (const key of ['trainLoss', 'validLoss', 'testLoss'] as const) expect(Math.abs(m[key] - r[key]) / r[key]).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      for (const key of ['trainAcc', 'validAcc', 'testAcc'] as const) expect(m[key]).toBe(r[key]);
    }
    disposeTrainState(reference);
    disposeTrainState(fused);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('full batch (momentum): the train metrics come from the step, as on the per-kernel path', async () => {
    const c = { ...config('momentum', [784, 32, 10], 0), epochs: 3 };
    const reference = await train(c, false);
    const fused = await train(c, true);
    expect(worstError(stateValues(fused), stateValues(reference))).toBeLessThanOrEqual(rtol);
    fused.history.forEach((m, i) => {
      expect(Math.abs(m.trainLoss - reference.history[i].trainLoss) / reference.history[i].trainLoss).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      expect(m.trainAcc).toBe(reference.history[i].trainAcc);
    });
    disposeTrainState(reference);
    disposeTrainState(fused);
  });

  it('a resumed run (2 epochs, checkpoint snapshot, 2 more) equals an uninterrupted one, switching paths at the checkpoint too', async () => {
    const c = config('adam', [784, 64, 10]);
    const straight = await train(c, true);
    const firstHalf = await train({ ...c, epochs: 2 }, true);
    const snapshot = snapshotTrainState(firstHalf);
    disposeTrainState(firstHalf);
    const resumed = await train(c, true, restoreTrainState(snapshot));
    const resumedPerKernel = await train(c, false, restoreTrainState(snapshot));
    expect(resumed.epoch).toBe(EPOCHS);
    expect(resumed.rngState).toEqual(straight.rngState);
    expect(worstError(stateValues(resumed), stateValues(straight))).toBe(0);
    expect(worstError(stateValues(resumedPerKernel), stateValues(straight))).toBeLessThanOrEqual(rtol);
    for (const s of [straight, resumed, resumedPerKernel]) disposeTrainState(s);
  });

  it('two runs at once on one training set each get their own trainer (a finished run hands its trainer on)', async () => {
    const c = { ...config('adam', [784, 256, 10]), epochs: 2 };
    const alone = await train(c, true);
    // Each run yields to the event loop every 50 ms within its epochs, so the two interleave.
    const [a, b] = await Promise.all([train(c, true), train(c, true)]);
    for (const run of [a, b]) expect(worstError(stateValues(run), stateValues(alone))).toBe(0);
    for (const s of [alone, a, b]) disposeTrainState(s);
  });

  it('a stop between batches returns the partial epoch as tensors the caller can dispose', async () => {
    const c = config('momentum', [784, 32, 10]);
    const before = tf.memory().numTensors;
    let polls = 0;
    const result = await trainEpochs(c, data, initTrainState(c), { shouldStop: () => ++polls > 10 }, { fused: true });
    expect(result.stopped).toBe(true);
    expect(result.state.epoch).toBe(0);
    expect(result.state.optimizerState.step).toBe(10);
    disposeTrainState(result.state);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluation: one fused call per range gives the per-kernel loss and accuracy', async () => {
    const c = config('adam', [784, 64, 32, 10]);
    const state = await train({ ...c, epochs: 1 }, false);
    const fused = FusedMlp.forRun(c, data.trainRows)!;
    fused.load(state.params, state.optimizerState);
    const ends = [dataset.valid.n, dataset.valid.n + dataset.test.n];
    const heldOut = data.heldOutRows;
    // Chunks smaller than a range, so that both add several forward passes.
    const ours = fused.evaluateRanges(heldOut, ends, 256);
    const reference = evaluateRanges(state.params, data.evalRows.heldOut, 10, ends);
    expect(ours.length).toBe(2);
    ours.forEach((m, i) => {
      expect(Math.abs(m.loss - reference[i].loss) / reference[i].loss).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      expect(m.acc).toBe(reference[i].acc);
    });
    // Whole-range chunks: products of other heights (summed in other orders), the same metrics to fp32 noise.
    const whole = fused.evaluateRanges(heldOut, ends, EVAL_CHUNK);
    whole.forEach((m, i) => {
      expect(Math.abs(m.loss - ours[i].loss) / ours[i].loss).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      expect(m.acc).toBe(ours[i].acc);
    });
    disposeTrainState(state);
  });

  it('is not taken for autodiff gradients or with an onStep hook (the per-kernel path then runs)', async () => {
    expect(FusedMlp.forRun({ ...config('adam', [784, 32, 10]), grad: 'autodiff' }, data.trainRows)).toBeNull();
    const c = { ...config('sgd', [784, 32, 10]), epochs: 1 };
    let steps = 0;
    const result = await trainEpochs(c, data, initTrainState(c), { onStep: () => void steps++ });
    expect(steps).toBe(63);
    disposeTrainState(result.state);
  });
}

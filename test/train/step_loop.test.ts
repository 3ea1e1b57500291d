import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { useBackend, type BackendName } from '../../src/backends.js';
import { xavierInit, type MlpParams } from '../../src/model/mlp.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, evalRowsOf, evaluate, evaluateRanges, initTrainState, shuffledIndices, toTensorData, trainEpochs } from '../../src/train/loop.js';
import { disposeOptimizerState, initOptimizerState } from '../../src/train/optimizers.js';
import { paramList, trainStep } from '../../src/train/step.js';
import { blobDataset, blobs } from './synthetic.js';
import { BACKEND_ROWS } from '../custom-ops/helpers.js';
import { FP32_VS_FP32, maxRelativeError } from '../../gradcheck/tolerances.js';

const config = (over: Partial<TrainConfig> = {}, kind: TrainConfig['optimizer']['kind'] = 'adam'): TrainConfig => ({
  layers: [12, 16, 8, 4],
  seed: 3,
  grad: 'manual',
  optimizer: { kind, lr: kind === 'adam' ? 1e-2 : 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 32,
  epochs: 3,
  ...over,
});

/**
 * Xavier weights plus seeded non-zero biases: a zero bias after one step would be just −α·db, a sum over
 * the batch that cancels to ~1e-4 of its terms, so its fp32 rounding is relative to the terms, not to
 * the result; with biases of order 0.1 each parameter's value is a fair scale for the 1e-5 check.
 */
function testParams(c: TrainConfig): MlpParams {
  const params = xavierInit(c.layers, c.seed);
  const biases = params.biases.map((b, l) => tf.randomNormal<tf.Rank.R1>(b.shape, 0, 0.1, 'float32', 100 + l));
  tf.dispose(params.biases);
  return { weights: params.weights, biases };
}

function oneStep(grad: TrainConfig['grad'], kind: TrainConfig['optimizer']['kind']): Float32Array[] {
  const c = config({ grad }, kind);
  const params = testParams(c);
  const state = initOptimizerState(c.optimizer, paramList(params));
  const data = blobs(32, 12, 4, 9);
  const x = tf.tensor2d(data.x, [32, 12]);
  const y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 4).toFloat() as tf.Tensor2D;
  const result = trainStep(params, state, x, y, c);
  const values = paramList(result.params).map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, y, result.loss, ...paramList(result.params)]);
  disposeOptimizerState(result.optimizerState);
  return values;
}

describe.each(BACKEND_ROWS)('trainer on %s', (_title, probe) => {
  if (!probe.available) {
    it.skip(`${probe.name}: ${probe.reason}`, () => {});
    return;
  }
  const backendName: BackendName = probe.name;
  it(`loads the ${backendName} backend with the custom ops`, async () => {
    expect(await useBackend(backendName)).toBe(backendName);
    registerCustomOps();
  });

  it.each(['sgd', 'momentum', 'adam'] as const)('one manual step equals one autodiff step with %s (every parameter within 1e-5 relative)', (kind) => {
    const manual = oneStep('manual', kind);
    const autodiff = oneStep('autodiff', kind);
    expect(manual.length).toBe(6);
    for (let i = 0; i < manual.length; i++) expect(maxRelativeError(manual[i], autodiff[i], { atol: 1e-6 })).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    // The step moved the parameters (so the comparison is not of two untouched inits).
    const init = testParams(config());
    paramList(init).forEach((p, i) => expect(maxRelativeError(manual[i], p.dataSync() as Float32Array, { atol: 1e-6 })).toBeGreaterThan(1e-3));
    tf.dispose(paramList(init));
  });

  it('evaluateRanges: per-range loss/accuracy across block boundaries equal a float64 forward pass (and the held-out blocks are the valid then the test rows)', () => {
    // 23 000 rows in blocks of EVAL_CHUNK = 10 000: the ranges [0, 7000), [7000, 12500), [12500, 23000) straddle both block edges.
    const layers = [6, 5, 3];
    const split = blobs(23000, 6, 3, 7);
    const params = xavierInit(layers, 11);
    const ends = [7000, 12500, 23000];
    const rows = evalRowsOf(split, 6);
    expect(rows.blocks.map((b) => [b.n, ...b.x.shape, ...b.labels.shape])).toEqual([
      [10000, 10000, 6, 10000],
      [10000, 10000, 6, 10000],
      [3000, 3000, 6, 3000],
    ]);
    const before = tf.memory().numTensors;
    const got = evaluateRanges(params, rows, 3, ends);
    expect(tf.memory().numTensors).toBe(before);
    const [w1, w2] = params.weights.map((w) => Float64Array.from(w.dataSync()));
    const [b1, b2] = params.biases.map((b) => Float64Array.from(b.dataSync()));
    const want = ends.map(() => ({ loss: 0, hits: 0 }));
    for (let n = 0; n < split.n; n++) {
      const h = Array.from({ length: 5 }, (_, j) => Math.max(0, b1[j] + Array.from({ length: 6 }, (_, f) => split.x[n * 6 + f] * w1[f * 5 + j]).reduce((a, v) => a + v, 0)));
      const z = Array.from({ length: 3 }, (_, k) => b2[k] + h.reduce((a, v, j) => a + v * w2[j * 3 + k], 0));
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
      const range = ends.findIndex((e) => n < e);
      want[range].loss += lse - z[split.labels[n]];
      want[range].hits += z.indexOf(max) === split.labels[n] ? 1 : 0;
    }
    ends.forEach((end, i) => {
      const rows = end - (i === 0 ? 0 : ends[i - 1]);
      expect(Math.abs(got[i].loss - want[i].loss / rows) / (want[i].loss / rows)).toBeLessThan(1e-5);
      // A row whose top two logits tie to fp32 rounding may flip; the ranges have thousands of rows.
      expect(Math.abs(got[i].acc - want[i].hits / rows)).toBeLessThanOrEqual(2 / rows);
    });
    // evaluate on a whole split (sliced into blocks for the call) gives the blocks' numbers and leaves no tensor behind.
    const x = tf.tensor2d(split.x, [split.n, 6]);
    const labels = tf.tensor1d(split.labels, 'int32');
    const whole = evaluate(params, { x, labels, n: split.n }, 3);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(whole).toEqual(evaluate(params, rows, 3));
    expect(whole.loss).toBeCloseTo((want[0].loss + want[1].loss + want[2].loss) / split.n, 5);
    tf.dispose([x, labels, ...rows.blocks.flatMap((b) => [b.x, b.labels]), ...paramList(params)]);

    const data = toTensorData(blobDataset(40));
    const [heldOut] = data.evalRows.heldOut.blocks;
    expect(data.evalRows.heldOut.blocks.length).toBe(1);
    expect(heldOut.n).toBe(data.valid.n + data.test.n);
    expect(Array.from(heldOut.x.dataSync())).toEqual([...data.valid.x.dataSync(), ...data.test.x.dataSync()]);
    expect(Array.from(heldOut.labels.dataSync())).toEqual([...data.valid.labels.dataSync(), ...data.test.labels.dataSync()]);
    // A training set of one block is evaluated from its own tensors.
    expect(data.evalRows.train.blocks).toEqual([data.train]);
    disposeTensorData(data);
  });

  it('an epoch reads the data where it was uploaded: no kernel copies rows of the data (no slice per evaluation block)', async () => {
    // 12 500 training rows: evaluation reads two blocks; a slice of a whole tensor per block would
    // output a [rows, 12] tensor (on wasm, after copying the whole tensor out of the heap).
    const c = config({ epochs: 1, batchSize: 5000 });
    const data = toTensorData(blobDataset(12500));
    expect(data.evalRows.train.blocks.map((b) => b.n)).toEqual([10000, 2500]);
    const state = initTrainState(c);
    let result: Awaited<ReturnType<typeof trainEpochs>> | undefined;
    // The per-kernel path (the fused one on native reads host rows and runs no tfjs kernel).
    const profile = await tf.profile(async () => {
      result = await trainEpochs(c, data, state, {}, { fused: false });
    });
    const features = data.train.x.shape[1];
    expect(c.layers.slice(1)).not.toContain(features);
    // Reshape (the products view their [rows, 12] operand as [1, rows, 12]) shares its input's data on every backend.
    const copies = profile.kernels.filter((k) => k.name !== 'Reshape' && k.outputShapes.some((shape) => shape !== undefined && shape[shape.length - 1] === features));
    expect(copies.map((k) => `${k.name} → [${k.outputShapes.join('; ')}]`)).toEqual([]);
    // The epoch ran: its steps and both evaluations are in the profile.
    expect(result?.state.history.length).toBe(1);
    expect(profile.kernels.filter((k) => k.name === '_FusedMatMul').length).toBeGreaterThanOrEqual(2 * (c.layers.length - 1));
    if (result !== undefined) disposeTrainState(result.state);
    disposeTensorData(data);
  });

  it('trainStep consumes its inputs: old params and slots are disposed, new ones returned', () => {
    const c = config();
    const params = xavierInit(c.layers, c.seed);
    const state = initOptimizerState(c.optimizer, paramList(params));
    const x = tf.zeros<tf.Rank.R2>([4, 12]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4).toFloat() as tf.Tensor2D;
    const result = trainStep(params, state, x, y, c);
    expect(paramList(params).every((t) => t.isDisposed)).toBe(true);
    expect(state.slots.m.every((t) => t.isDisposed)).toBe(true);
    expect(result.optimizerState.step).toBe(1);
    tf.dispose([x, y, result.loss, ...paramList(result.params)]);
    disposeOptimizerState(result.optimizerState);
  });

  it('tf.memory().numTensors stays flat across 20 epochs (mini-batch and full batch)', async () => {
    for (const batchSize of [32, 0]) {
      const c = config({ epochs: 20, batchSize });
      const data = toTensorData(blobDataset(200));
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const result = await trainEpochs(c, data, initTrainState(c), { onEpoch: () => void counts.push(tf.memory().numTensors) });
      expect(counts.length).toBe(20);
      expect(new Set(counts).size).toBe(1);
      const h = result.state.history;
      expect(h[19].trainLoss).toBeLessThan(0.5 * h[0].trainLoss);
      disposeTrainState(result.state);
      disposeTensorData(data);
      // train (also its evaluation block), valid, test and the held-out evaluation block: x and labels each.
      expect(tf.memory().numTensors).toBe(before - 8);
    }
  });

  it.each(['manual', 'autodiff'] as const)(
    'full batch, %s: train loss/accuracy come from the step\'s forward pass, i.e. at the parameters the epoch started from',
    async (grad) => {
      const c = config({ grad, batchSize: 0, epochs: 1 });
      const data = toTensorData(blobDataset(200));
      let state = initTrainState(c);
      const before = tf.memory().numTensors;
      for (let epoch = 1; epoch <= 3; epoch++) {
        const atStart = evaluate(state.params, data.train, data.classes);
        state = (await trainEpochs({ ...c, epochs: epoch }, data, state)).state;
        const m = state.history[epoch - 1];
        expect(Math.abs(m.trainLoss - atStart.loss) / atStart.loss).toBeLessThanOrEqual(1e-5);
        expect(m.trainAcc).toBe(atStart.acc);
        expect(tf.memory().numTensors).toBe(before);
      }
      // The step moved the parameters: the train loss after the last update is lower than at its start.
      expect(evaluate(state.params, data.train, data.classes).loss).toBeLessThan(state.history[2].trainLoss);
      disposeTrainState(state);
      disposeTensorData(data);
    },
  );

  it('same seed → identical curves; manual and autodiff curves agree to fp32 rounding', async () => {
    const histories = [];
    for (const grad of ['manual', 'manual', 'autodiff'] as const) {
      const c = config({ grad, epochs: 4 });
      const data = toTensorData(blobDataset(256));
      const result = await trainEpochs(c, data, initTrainState(c));
      histories.push(result.state.history.map(({ seconds: _s, evalSeconds: _e, ...m }) => m));
      disposeTrainState(result.state);
      disposeTensorData(data);
    }
    expect(histories[1]).toEqual(histories[0]);
    for (let e = 0; e < 4; e++) {
      expect(Math.abs(histories[2][e].trainLoss - histories[0][e].trainLoss) / histories[0][e].trainLoss).toBeLessThan(1e-4);
      expect(histories[2][e].validAcc).toBe(histories[0][e].validAcc);
    }
  });
});

describe('shuffle RNG', () => {
  it('is a permutation, and continuing from a saved state equals drawing straight through', () => {
    const c = config();
    const state = initTrainState(c);
    const first = shuffledIndices(50, state.rngState);
    const second = shuffledIndices(50, first.rngState);
    const again = shuffledIndices(50, JSON.parse(JSON.stringify(first.rngState)) as typeof first.rngState);
    expect(Array.from(again.indices)).toEqual(Array.from(second.indices));
    expect([...first.indices].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(first.indices)).not.toEqual(Array.from(second.indices));
    disposeTrainState(state);
  });
});

afterAll(() => {
  tf.disposeVariables();
});

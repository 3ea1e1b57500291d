/**
 * tensorflow's fused step as it runs by default: compiled by XLA, which fuses the elementwise ops and
 * sums in its own order, so its numbers are not the per-kernel path's bit for bit (that is
 * fused_tensorflow_graph.test.ts, without XLA). What it must be instead: the gradient step to fp32
 * accuracy. With SGD at α = 1, W' = W − ∇, so W − W' (exact in float64) is the step's gradient; it
 * is compared with the float64 backprop of the same batch at the same parameters, each element
 * against its Σ|terms| (src/reference/mlp64.ts magnitudes, plus |W| and |W'| for the subtraction).
 * The per-kernel path is held to the same bound, so the bound is the one fp32 rounding allows.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { fp32VsF64For, maxRelativeError } from '../../gradcheck/tolerances.js';
import { probeBackend, useBackend } from '../../src/backends.js';
import { batchOf } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import { mat64, mlpBackprop64, type Mlp64 } from '../../src/reference/index.js';
import type { TrainConfig } from '../../src/train/config.js';
import { FusedMlp } from '../../src/train/fused.js';
import { disposeTensorData, initTrainState, shuffledIndices, toTensorData, type TensorData, type TrainState } from '../../src/train/loop.js';
import { paramList, trainStep } from '../../src/train/step.js';
import { backendAvailability } from '../helpers/requirements.js';

const TENSORFLOW = backendAvailability(await probeBackend('tensorflow'));
const LAYERS = [784, 64, 32, 10];
const BATCH = 32;
const STEPS = 5;
const CONFIG: TrainConfig = { layers: LAYERS, seed: 5, grad: 'manual', optimizer: { kind: 'sgd', lr: 1, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, batchSize: BATCH, epochs: 1 };

let data: TensorData;

beforeAll(async () => {
  if (!TENSORFLOW.available) return;
  expect(process.env.HANDGRAD_TENSORFLOW_XLA).toBeUndefined();
  await useBackend('tensorflow');
  registerCustomOps();
  data = toTensorData(loadDataset('mnist', { trainSize: 640, validSize: 100, testSize: 100 }));
  return () => disposeTensorData(data);
});

function values(state: Pick<TrainState, 'params'>): Float32Array[] {
  return paramList(state.params).map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

/** The worst error of the gradient W − W' against the float64 backprop at W, each element on its Σ|terms|. */
function gradientError(before: Float32Array[], after: Float32Array[], rows: Int32Array): number {
  const batch = batchOf(data.trainRows, rows, LAYERS[0], 10);
  const params: Mlp64 = {
    weights: LAYERS.slice(1).map((out, l) => mat64(LAYERS[l], out, before[2 * l])),
    biases: LAYERS.slice(1).map((_, l) => Float64Array.from(before[2 * l + 1])),
  };
  const { grads, magnitudes } = mlpBackprop64(params, mat64(rows.length, LAYERS[0], batch.x), mat64(rows.length, 10, batch.yOneHot), true);
  const exact = LAYERS.slice(1).flatMap((_, l) => [grads.dW[l].data, grads.db[l]]);
  const terms = LAYERS.slice(1).flatMap((_, l) => [magnitudes!.dW[l].data, magnitudes!.db[l]]);
  return Math.max(
    ...exact.map((g, i) => {
      const implied = before[i].map((w, k) => w - after[i][k]);
      const termScale = terms[i].map((t, k) => t + Math.abs(before[i][k]) + Math.abs(after[i][k]));
      return maxRelativeError(Float64Array.from(implied), g, { termScale });
    }),
  );
}

describe.skipIf(!TENSORFLOW.available)(`tensorflow's XLA-compiled fused step is the gradient step to fp32 accuracy${TENSORFLOW.skipNote}`, () => {
  it(`SGD α = 1, ${LAYERS.join('-')}, ${STEPS} steps of ${BATCH} rows: W − W' against the float64 backprop, as the per-kernel path`, () => {
    const tolerance = fp32VsF64For(BATCH).rtol;
    const state = initTrainState(CONFIG);
    const fused = FusedMlp.forRun(CONFIG, data.trainRows)!;
    expect(fused).not.toBeNull();
    const { indices } = shuffledIndices(data.train.n, state.rngState);
    let { params, optimizerState } = state;
    for (let s = 0; s < STEPS; s++) {
      const rows = indices.subarray(s * BATCH, (s + 1) * BATCH);
      const before = values({ params });
      fused.load(params, optimizerState);
      fused.step(indices, s * BATCH, (s + 1) * BATCH, s + 1);
      const batch = batchOf(data.trainRows, rows, LAYERS[0], 10);
      const [x, y] = [tf.tensor2d(batch.x, [BATCH, LAYERS[0]]), tf.tensor2d(batch.yOneHot, [BATCH, 10])];
      const perKernel = trainStep(params, optimizerState, x, y, CONFIG);
      tf.dispose([x, y, perKernel.loss]);
      expect(gradientError(before, values(perKernel), rows)).toBeLessThanOrEqual(tolerance);
      // The fused step's state replaces the per-kernel one: the next step starts from the XLA result.
      ({ params, optimizerState } = fused.replace(perKernel.params, perKernel.optimizerState, s + 1));
      expect(gradientError(before, values({ params }), rows)).toBeLessThanOrEqual(tolerance);
    }
    tf.dispose(paramList(params));
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { useBackend, type BackendName } from '../../src/backends.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs } from '../../src/train/loop.js';

import { BACKEND_PROBES } from '../custom-ops/helpers.js';

let data: Dataset;

beforeAll(() => {
  data = loadDataset('mnist', { trainSize: 2000, validSize: 1000, testSize: 500 });
});

const RUNS: [BackendName, TrainConfig['grad']][] = [
  ['cpu', 'manual'],
  ['wasm', 'manual'],
  ['wasm', 'autodiff'],
  ...(BACKEND_PROBES.some((p) => p.name === 'native' && p.available) ? [['native', 'manual'] as [BackendName, TrainConfig['grad']]] : []),
];

describe('short MNIST runs', () => {
  it.each(RUNS)('on %s, %s gradients, 2000 training samples, 6 epochs: valid accuracy > 85%', async (backend, grad) => {
    expect(await useBackend(backend)).toBe(backend);
    registerCustomOps();
    const config: TrainConfig = {
      layers: [784, 64, 10],
      seed: 1,
      grad,
      optimizer: { kind: 'adam', lr: 3e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      batchSize: 64,
      epochs: 6,
    };
    const tensors = toTensorData(data);
    const before = tf.memory().numTensors;
    const result = await trainEpochs(config, tensors, initTrainState(config));
    const last = result.state.history[5];
    console.log(`${backend} ${grad}: valid accuracy ${last.validAcc} after 6 epochs`);
    expect(last.validAcc).toBeGreaterThan(0.85);
    expect(last.trainLoss).toBeLessThan(result.state.history[0].trainLoss);
    disposeTrainState(result.state);
    expect(tf.memory().numTensors).toBe(before);
    disposeTensorData(tensors);
  });
});

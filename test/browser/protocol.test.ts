/** The page protocol's two halves (src/browser/protocol.ts) round-trip a job and a training state exactly. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { decodeJobFiles, decodeTrainState, encodeJobFiles, encodeTrainState, type TrainJob } from '../../src/browser/protocol.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData } from '../../src/train/loop.js';
import { blobDataset } from '../train/synthetic.js';

const config: TrainConfig = {
  layers: [12, 5, 4],
  seed: 4,
  grad: 'manual',
  optimizer: { kind: 'adam', lr: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 8,
  epochs: 2,
};

describe('page protocol', () => {
  it('a job (config, data files, state) written by Node is read back by the page bit for bit', async () => {
    await tf.setBackend('cpu');
    const dataset = blobDataset(40);
    const data = toTensorData(dataset);
    const state = initTrainState(config);
    const job: TrainJob = {
      backend: 'webgl',
      config,
      features: 12,
      classes: 4,
      sizes: { train: 40, valid: 64, test: 64 },
      initialState: encodeTrainState(state),
    };
    const files = encodeJobFiles(job, data);
    expect([...files.keys()].sort()).toEqual(['job.json', 'test-labels.bin', 'test-x.bin', 'train-labels.bin', 'train-x.bin', 'valid-labels.bin', 'valid-x.bin']);
    // As the page fetches them: each file's own ArrayBuffer.
    const read = await decodeJobFiles((name) => Promise.resolve(Uint8Array.from(files.get(name) ?? []).buffer));
    expect(read.job).toEqual(job);
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(read.dataset[split].n).toBe(dataset[split].n);
      expect(read.dataset[split].x).toEqual(dataset[split].x);
      expect(read.dataset[split].labels).toEqual(dataset[split].labels);
    }
    const back = decodeTrainState(read.job.initialState);
    expect(back.params.weights.map((w) => Array.from(w.dataSync()))).toEqual(state.params.weights.map((w) => Array.from(w.dataSync())));
    expect(back.rngState).toEqual(state.rngState);
    disposeTrainState(back);
    disposeTrainState(state);
    disposeTensorData(data);
  });
});

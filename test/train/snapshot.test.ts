/** The saved-state format (src/train/snapshot.ts): exact round trips, and one-line errors on a damaged encoding. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { DataError } from '../../src/data/errors.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type TrainState } from '../../src/train/loop.js';
import { decodeSnapshot, encodeSnapshot, restoreTrainState, snapshotTrainState, type EncodedSnapshot } from '../../src/train/snapshot.js';
import { paramList } from '../../src/train/step.js';
import { blobDataset } from './synthetic.js';

const config: TrainConfig = {
  layers: [12, 10, 7, 4],
  seed: 3,
  grad: 'manual',
  optimizer: { kind: 'adam', lr: 1e-2, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 16,
  epochs: 2,
};
const SOURCES = { params: 'params.bin', optimizer: 'optimizer.bin' };

function valuesOf(state: TrainState): number[][] {
  return [...paramList(state.params), ...state.optimizerState.slots.m, ...state.optimizerState.slots.v].map((t) => Array.from(t.dataSync()));
}

let trained: TrainState;
let encoded: EncodedSnapshot;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerCustomOps();
  const data = toTensorData(blobDataset(64));
  trained = (await trainEpochs(config, data, initTrainState(config))).state;
  disposeTensorData(data);
  encoded = encodeSnapshot(snapshotTrainState(trained));
});

describe('saved training state', () => {
  it('names params as the Layers model does and orders the optimizer slots per parameter', () => {
    expect(encoded.manifest.params.map((s) => `${s.name}:${s.shape.join('x')}`)).toEqual([
      'dense_1/kernel:12x10',
      'dense_1/bias:10',
      'dense_2/kernel:10x7',
      'dense_2/bias:7',
      'dense_3/kernel:7x4',
      'dense_3/bias:4',
    ]);
    expect(encoded.manifest.optimizer.specs.map((s) => s.name)).toEqual([...[0, 1, 2, 3, 4, 5].map((i) => `m/${i}`), ...[0, 1, 2, 3, 4, 5].map((i) => `v/${i}`)]);
    expect(encoded.params.byteLength).toBe(4 * (120 + 10 + 70 + 7 + 28 + 4));
    expect(encoded.manifest.epoch).toBe(2);
  });

  it('round-trips params, Adam slots and step, RNG state and history bit for bit, through JSON too', () => {
    const manifest = JSON.parse(JSON.stringify(encoded.manifest)) as EncodedSnapshot['manifest'];
    // As read from files: Node Buffers that view an offset inside a larger shared pool.
    const asFile = (bytes: Uint8Array): Uint8Array => Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    const back = restoreTrainState(decodeSnapshot({ manifest, params: asFile(encoded.params), optimizer: asFile(encoded.optimizer) }, SOURCES));
    expect(valuesOf(back)).toEqual(valuesOf(trained));
    expect(back.optimizerState.step).toBe(trained.optimizerState.step);
    expect(back.optimizerState.step).toBeGreaterThan(0);
    expect(back.rngState).toEqual(trained.rngState);
    expect(back.history).toEqual(trained.history);
    expect(back.epoch).toBe(2);
    disposeTrainState(back);
  });

  it('a snapshot is a copy: training on does not change it', async () => {
    const snapshot = snapshotTrainState(trained);
    const before = Array.from(snapshot.weights[0].values);
    const data = toTensorData(blobDataset(64));
    const copy = restoreTrainState(snapshot);
    const next = (await trainEpochs({ ...config, epochs: 3 }, data, copy)).state;
    expect(Array.from(next.params.weights[0].dataSync())).not.toEqual(before);
    expect(Array.from(snapshot.weights[0].values)).toEqual(before);
    disposeTrainState(next);
    disposeTensorData(data);
  });

  it.each([
    ['a truncated params block', (e: EncodedSnapshot): EncodedSnapshot => ({ ...e, params: e.params.subarray(0, e.params.byteLength - 4) }), /^params\.bin: 952 bytes, but its manifest describes 956$/],
    ['a missing bias', (e: EncodedSnapshot): EncodedSnapshot => {
      const params = e.manifest.params.filter((s) => s.name !== 'dense_2/bias');
      return { ...e, manifest: { ...e.manifest, params }, params: e.params.subarray(0, e.params.byteLength - 7 * 4) };
    }, /^params\.bin: layer 2 needs dense_2\/kernel \(in×out\) and dense_2\/bias \(out\)$/],
    ['an unnamed slot', (e: EncodedSnapshot): EncodedSnapshot => ({
      ...e,
      manifest: { ...e.manifest, optimizer: { ...e.manifest.optimizer, specs: e.manifest.optimizer.specs.map((s, i) => (i === 0 ? { ...s, name: 'm' } : s)) } },
    }), /^optimizer\.bin: tensor m is not named <slot>\/<index>$/],
  ])('%s is a one-line DataError naming the block', (_name, damage, message) => {
    expect(() => decodeSnapshot(damage(encoded), SOURCES)).toThrow(DataError);
    expect(() => decodeSnapshot(damage(encoded), SOURCES)).toThrow(message);
  });
});

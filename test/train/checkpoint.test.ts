import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { useBackend } from '../../src/backends.js';
import { CHECKPOINTS, latestCheckpointDir, loadCheckpoint, saveCheckpoint, writeCheckpoint } from '../../src/train/checkpoint.js';
import { snapshotTrainState } from '../../src/train/snapshot.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type EpochMetrics, type TrainState } from '../../src/train/loop.js';
import { paramList } from '../../src/train/step.js';
import { blobDataset } from './synthetic.js';

const config: TrainConfig = {
  layers: [12, 10, 4],
  seed: 5,
  grad: 'manual',
  optimizer: { kind: 'adam', lr: 1e-2, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 16,
  epochs: 2,
};

function tensorsOf(state: TrainState): number[][] {
  return [...paramList(state.params), ...state.optimizerState.slots.m, ...state.optimizerState.slots.v].map((t) => Array.from(t.dataSync()));
}

beforeAll(async () => {
  await useBackend('cpu');
  registerCustomOps();
});

describe('checkpoints', () => {
  it('round-trip params, Adam slots and step, RNG state and history bit for bit', async () => {
    const out = mkdtempSync(join(tmpdir(), 'handgrad-ckpt-'));
    const data = toTensorData(blobDataset(64));
    const { state } = await trainEpochs(config, data, initTrainState(config));
    await saveCheckpoint(out, state);
    const loaded = loadCheckpoint(out, config);
    expect(loaded.epoch).toBe(2);
    expect(loaded.optimizerState.step).toBe(state.optimizerState.step);
    expect(loaded.optimizerState.step).toBe(8);
    expect(loaded.rngState).toEqual(state.rngState);
    expect(loaded.history).toEqual(state.history);
    expect(tensorsOf(loaded)).toEqual(tensorsOf(state));
    disposeTrainState(state);
    disposeTrainState(loaded);
    disposeTensorData(data);
  });

  it('a snapshot is a copy: changing or disposing the state afterwards does not change what is written', async () => {
    const out = mkdtempSync(join(tmpdir(), 'handgrad-ckpt-'));
    const data = toTensorData(blobDataset(64));
    const { state } = await trainEpochs({ ...config, epochs: 1 }, data, initTrainState(config));
    disposeTensorData(data);
    const expected = { tensors: tensorsOf(state), rngState: structuredClone(state.rngState), history: structuredClone(state.history) };
    const snapshot = snapshotTrainState(state);
    // cpu backend quirk: dataSync() returns the tensor's own storage, so this overwrites the live weights.
    state.params.weights[0].dataSync().fill(Number.NaN);
    state.optimizerState.slots.m[0].dataSync().fill(Number.NaN);
    expect(state.params.weights[0].dataSync()[0]).toBeNaN();
    state.rngState.S[0] = (state.rngState.S[0] + 1) % 256;
    state.history[0].validAcc = -1;
    state.history.push({ ...state.history[0], epoch: 2 });
    disposeTrainState(state);
    await writeCheckpoint(out, snapshot);
    const loaded = loadCheckpoint(out, config);
    expect(loaded.epoch).toBe(1);
    expect(loaded.optimizerState.step).toBe(4);
    expect(tensorsOf(loaded)).toEqual(expected.tensors);
    expect(loaded.rngState).toEqual(expected.rngState);
    expect(loaded.history).toEqual(expected.history);
    expect(loaded.history.map((m) => m.epoch)).toEqual([1]);
    disposeTrainState(loaded);
  });

  it('a write killed half-way leaves the previous checkpoint as the latest; the next save clears the debris', async () => {
    const out = mkdtempSync(join(tmpdir(), 'handgrad-ckpt-'));
    const state = initTrainState(config);
    const metrics = (epoch: number): EpochMetrics => ({ epoch, trainLoss: 1, trainAcc: 0.5, validLoss: 1, validAcc: 0.5, testLoss: 1, testAcc: 0.5, seconds: 1, evalSeconds: 0 });
    const first = await saveCheckpoint(out, { ...state, epoch: 1, history: [metrics(1)] });
    // What a kill during the epoch-2 write leaves: a temp folder with some of the files.
    const debris = join(out, CHECKPOINTS, '.tmp-epoch-0002-99999');
    mkdirSync(debris);
    writeFileSync(join(debris, 'model.json'), '{"trunc');
    writeFileSync(join(out, CHECKPOINTS, '.tmp-latest.json-99999'), '{"dir": "epoch-0002"');
    expect(latestCheckpointDir(out)).toBe(first);
    const loaded = loadCheckpoint(out, config);
    expect(loaded.epoch).toBe(1);
    expect(tensorsOf(loaded)).toEqual(tensorsOf(state));
    disposeTrainState(loaded);
    await saveCheckpoint(out, { ...state, epoch: 2, history: [metrics(1), metrics(2)] });
    expect(readdirSync(join(out, CHECKPOINTS)).sort()).toEqual(['epoch-0002', 'latest.json']);
    disposeTrainState(state);
  });

  it('refuses a checkpoint whose shapes do not match the run config, with one line naming it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'handgrad-ckpt-'));
    const state = initTrainState(config);
    await saveCheckpoint(out, state);
    const before = tf.memory().numTensors;
    expect(() => loadCheckpoint(out, { ...config, layers: [12, 11, 4] })).toThrow(/epoch-0000\/model\.json: checkpoint weights for --layers 12,11,4 do not match the run \(dense_1\/kernel \[12,11\], /);
    expect(() => loadCheckpoint(join(out, 'nothing'), config)).toThrow(/has no checkpoint yet/);
    expect(tf.memory().numTensors).toBe(before); // the decoded tensors of the refused checkpoint were freed
    disposeTrainState(state);
  });
});

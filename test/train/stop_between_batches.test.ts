/**
 * A stop request that arrives as a process signal during a step is seen before the next batch: the
 * loop gives the event loop a turn (with an I/O poll, where Node reads signals) between batches,
 * even when the loop itself was resumed from an I/O callback, and when every epoch is shorter than
 * the yield interval (a tiny run, where a per-epoch clock never came due).
 */
import { stat } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomOps } from '../../custom-ops/index.js';
import { useBackend } from '../../src/backends.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, YIELD_EVERY_MS } from '../../src/train/loop.js';
import { blobDataset } from './synthetic.js';

const config: TrainConfig = {
  layers: [12, 8, 4],
  seed: 2,
  grad: 'manual',
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 8,
  epochs: 3,
};

const busyWait = (ms: number): void => {
  const start = performance.now();
  while (performance.now() - start < ms);
};

beforeAll(async () => {
  await useBackend('cpu');
  registerCustomOps();
});

describe('stop requests between batches', () => {
  it('a signal raised during batch 1 (a busy event loop) stops the run before batch 2, also when the loop started from an I/O callback', async () => {
    for (const start of ['directly', 'from an I/O callback'] as const) {
      if (start === 'from an I/O callback') await new Promise((resolve) => stat('.', resolve));
      const data = toTensorData(blobDataset(64));
      let requested = false;
      const onSignal = (): void => void (requested = true);
      process.on('SIGUSR2', onSignal);
      const batches: number[] = [];
      try {
        const result = await trainEpochs(config, data, initTrainState(config), {
          onBatch: (_epoch, b) => {
            batches.push(b);
            if (b === 1) {
              process.kill(process.pid, 'SIGUSR2'); // pending until the event loop polls
              busyWait(YIELD_EVERY_MS + 10); // the step's time: the loop is due a turn
            }
          },
          shouldStop: () => requested,
        });
        expect(result.stopped, start).toBe(true);
        expect(batches, start).toEqual([1]);
        disposeTrainState(result.state);
      } finally {
        process.off('SIGUSR2', onSignal);
        disposeTensorData(data);
      }
    }
  });

  it('epochs of a few ms each: a signal raised mid-run still stops it within YIELD_EVERY_MS plus an epoch', async () => {
    const data = toTensorData(blobDataset(16)); // 2 batches of 8: an epoch takes ~1 ms
    let requested = false;
    const onSignal = (): void => void (requested = true);
    process.on('SIGUSR2', onSignal);
    let epochs = 0;
    try {
      const result = await trainEpochs({ ...config, epochs: 100_000 }, data, initTrainState(config), {
        onEpoch: (m) => {
          epochs = m.epoch;
          if (m.epoch === 3) process.kill(process.pid, 'SIGUSR2');
        },
        shouldStop: () => requested,
      });
      expect(result.stopped).toBe(true);
      expect(epochs).toBeGreaterThanOrEqual(3);
      expect(epochs).toBeLessThan(100_000);
      disposeTrainState(result.state);
    } finally {
      process.off('SIGUSR2', onSignal);
      disposeTensorData(data);
    }
  });
});

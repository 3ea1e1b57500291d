/** Training inside the page with the project's own loop (src/train/loop.ts), for the UI and for Node jobs. */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../src/data/dataset.js';
import type { TrainConfig } from '../src/train/config.js';
import { disposeTensorData, toTensorData, trainEpochs, type EpochMetrics, type TrainHooks, type TrainState } from '../src/train/loop.js';
import type { MemorySample } from '../src/browser/protocol.js';

export type PageTrainHooks = {
  /** Awaited after each epoch; `state` still belongs to the loop. */
  onEpoch?: (metrics: EpochMetrics, state: TrainState, memory: MemorySample) => void | Promise<void>;
  onBatch?: (epoch: number, batch: number, batches: number) => void;
  /** Awaited after each step (see TrainHooks.onStep). */
  onStep?: TrainHooks['onStep'];
  shouldStop?: () => boolean;
};

export type PageTrainResult = { state: TrainState; stopped: boolean; memory: MemorySample[] };

export function memorySample(): MemorySample {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}

/** Trains `state` (consumed) on `dataset`; the returned state is the caller's to dispose. */
export async function trainOnPage(config: TrainConfig, dataset: Dataset, state: TrainState, hooks: PageTrainHooks): Promise<PageTrainResult> {
  const data = toTensorData(dataset);
  const memory: MemorySample[] = [];
  try {
    const result = await trainEpochs(config, data, state, {
      onBatch: hooks.onBatch,
      onStep: hooks.onStep,
      shouldStop: hooks.shouldStop,
      onEpoch: async (metrics, current) => {
        const sample = memorySample();
        memory.push(sample);
        await hooks.onEpoch?.(metrics, current, sample);
      },
    });
    return { ...result, memory };
  } finally {
    disposeTensorData(data);
  }
}

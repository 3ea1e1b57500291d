/**
 * `--backend webgl` for the trainer: the same trainEpochs() runs in headless Chromium. Node ships
 * the config, the data and the starting state to the page; each epoch the page sends back its
 * metrics and state, which Node rebuilds as tensors and hands to the trainer's own hooks, so
 * everything written to disk is written by the same Node code as for any other backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../train/config.js';
import { disposeTrainState, type TensorData, type TensorSplit, type TrainHooks, type TrainResult, type TrainState } from '../train/loop.js';
import {
  decodeTrainState,
  encodeTrainState,
  REPORT_BATCH,
  REPORT_EPOCH,
  type BatchMessage,
  type EpochMessage,
  type MemorySample,
  type PageBackend,
  type TrainJob,
} from './protocol.js';
import type { JobFiles } from './server.js';
import { describePage, openPageSession, type SessionOptions } from './session.js';

export type BrowserTrainResult = TrainResult & {
  /** tf.memory() in the page after each epoch. */
  memory: MemorySample[];
};

export type BrowserTrainOptions = SessionOptions & { backend?: PageBackend };

function bytesOf(t: tf.Tensor): Uint8Array {
  const values = t.dataSync() as Float32Array;
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function splitFiles(name: string, split: TensorSplit, files: JobFiles): void {
  files.set(`${name}-x.bin`, bytesOf(split.x));
  const labels = Int32Array.from(split.labels.dataSync());
  files.set(`${name}-labels.bin`, new Uint8Array(labels.buffer));
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).replace(/^page\.evaluate: (Error: )?/, '');
}

/** Same contract as trainEpochs(config, data, state, hooks): consumes `state`, returns the final one. */
export async function trainInBrowser(
  config: TrainConfig,
  data: TensorData,
  state: TrainState,
  hooks: TrainHooks = {},
  options: BrowserTrainOptions = {},
): Promise<BrowserTrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const job: TrainJob = {
    backend: options.backend ?? 'webgl',
    config,
    features: data.train.x.shape[1],
    classes: data.classes,
    sizes: { train: data.train.n, valid: data.valid.n, test: data.test.n },
    initialState: await encodeTrainState(state),
  };
  disposeTrainState(state);
  const files: JobFiles = new Map();
  files.set('job.json', new TextEncoder().encode(JSON.stringify(job)));
  splitFiles('train', data.train, files);
  splitFiles('valid', data.valid, files);
  splitFiles('test', data.test, files);

  const session = await openPageSession({ log });
  try {
    session.server.setJob(files);
    const { page } = session;
    await page.exposeFunction(REPORT_EPOCH, async (message: EpochMessage) => {
      const epochState = decodeTrainState(message.state);
      try {
        await hooks.onEpoch?.(message.metrics, epochState);
      } finally {
        disposeTrainState(epochState);
      }
    });
    await page.exposeFunction(REPORT_BATCH, (message: BatchMessage): boolean => {
      hooks.onBatch?.(message.epoch, message.batch, message.batches);
      return hooks.shouldStop?.() ?? false;
    });
    const info = await page.evaluate((backend) => window.handgrad!.useBackend(backend), job.backend);
    log(`${job.backend}: ${describePage(info)}`);
    const outcome = await page.evaluate(() => window.handgrad!.runJob()).catch((error: unknown) => {
      throw new Error(`training in the browser failed: ${oneLine(error)}`);
    });
    return { state: decodeTrainState(outcome.state), stopped: outcome.stopped, memory: outcome.memory };
  } finally {
    await session.close();
  }
}

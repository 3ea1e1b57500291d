/**
 * npm run bench -- [--json] [--epochs 7] [--backends native,tensorflow,wasm,cpu] [--wasm-rows 2500] [--cpu-rows 500]
 *                  [--homework-epochs 200] [--skip-compare] [--seed 0]
 *
 * Times workload W (bench/workload.ts) on every tfjs backend that loads, with manual and autodiff
 * gradients, against the homework's network in numpy (bench/numpy_reference.py) measured in the same
 * run: each timed handgrad epoch is interleaved with a numpy epoch on the same rows, so both see the
 * same machine load, and each ratio uses the numpy median of its own block. wasm (~10× numpy) and
 * cpu (~300×) run on the first rows of W only (numpy then too), and at most 5 timed epochs.
 * Exit 2 on bad flags.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { runChecks, DEFAULT_CHECK_OPTIONS } from '../compare/index.js';
import { BACKEND_NAMES, type BackendName, probeBackend } from '../src/backends.js';
import { firstLine, UsageError } from '../src/cli/common.js';
import { startNumpy, type NumpyBaseline } from './numpy.js';
import { formatTable, type BenchReport, type CompareTiming, type SkipRow, type TimingRow } from './report.js';
import { WORKLOAD_W, disposeData, epochRunner, flopsPerEpoch, makeData, median, type EpochSample } from './workload.js';

interface BenchOptions {
  json: boolean;
  epochs: number;
  backends: BackendName[];
  /** Rows of W the slow backends run (numpy runs the same rows in their blocks). */
  subsetRows: Partial<Record<BackendName, number>>;
  homeworkEpochs: number;
  compare: boolean;
  seed: number;
}

const DEFAULT_BACKENDS: BackendName[] = ['native', 'tensorflow', 'wasm', 'cpu'];
/** Pause between a numpy epoch and a handgrad epoch, so that the other process's idle BLAS threads stop spinning. */
const GAP_MS = 150;

function integer(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
  const n = Number(value);
  if (n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        epochs: { type: 'string', default: '7' },
        backends: { type: 'string', default: DEFAULT_BACKENDS.join(',') },
        'wasm-rows': { type: 'string', default: '2500' },
        'cpu-rows': { type: 'string', default: '500' },
        'homework-epochs': { type: 'string', default: '200' },
        'skip-compare': { type: 'boolean', default: false },
        seed: { type: 'string', default: '0' },
      },
    }));
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  const backends = values.backends.split(',').map((name) => name.trim());
  for (const name of backends) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name) || name === 'webgl') {
      throw new UsageError(`--backends: unknown or unsupported backend "${name}" (expected a list of native, tensorflow, wasm, cpu)`);
    }
  }
  const rowsFlag = (name: 'wasm-rows' | 'cpu-rows'): number => {
    const rows = integer(name, values[name], 1);
    if (rows > WORKLOAD_W.rows) throw new UsageError(`--${name}: at most ${WORKLOAD_W.rows} (the rows of W), got ${rows}`);
    return rows;
  };
  return {
    json: values.json,
    epochs: integer('epochs', values.epochs, 5),
    backends: backends as BackendName[],
    subsetRows: { wasm: rowsFlag('wasm-rows'), cpu: rowsFlag('cpu-rows') },
    homeworkEpochs: integer('homework-epochs', values['homework-epochs'], 0),
    compare: !values['skip-compare'],
    seed: integer('seed', values.seed, 0),
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

function timeCompare(backend: string): CompareTiming {
  const start = performance.now();
  const report = runChecks(DEFAULT_CHECK_OPTIONS);
  return { backend, seconds: (performance.now() - start) / 1000, checks: report.checks.length, failed: report.checks.filter((c) => !c.pass).length };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
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
      const { nativeInfo } = await import('../src/native/backend.js');
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
  const fastest = timings.filter((t) => t.backend !== 'numpy' && t.grads === 'manual' && t.rows === WORKLOAD_W.rows).sort((a, b) => a.medianMs - b.medianMs)[0];
  if (options.homeworkEpochs > 0) {
    if (!fastest) homework = { skipped: 'no backend ran the full workload' };
    else if (fastest.medianMs * options.homeworkEpochs > 600_000) homework = { skipped: `${fastest.backend} would take over 10 minutes` };
    else {
      await tf.setBackend(fastest.backend);
      log(`homework setting: ${options.homeworkEpochs} epochs on ${fastest.backend}`);
      const data = makeData(WORKLOAD_W.rows, WORKLOAD_W.layers, options.seed);
      const runner = epochRunner(WORKLOAD_W, 'manual', data, options.seed);
      const start = performance.now();
      let loss = NaN;
      for (let i = 0; i < options.homeworkEpochs; i++) loss = runner.epoch().loss;
      homework = { backend: fastest.backend, epochs: options.homeworkEpochs, seconds: (performance.now() - start) / 1000, finalLoss: loss };
      runner.dispose();
      disposeData(data);
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
}

// Run only as a script (`npm run bench`), not when a test imports parseBenchArgs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

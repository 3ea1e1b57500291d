/**
 * `npm run bench -- [flags]` (see USAGE): handgrad against numpy, measured side by side in one run.
 *
 * Sections: the default job (`npm run train` with no flags; bench/job.ts), workload W (full batch,
 * manual and autodiff; bench/full_batch_section.ts) and the homework setting (bench/homework.ts). Each section runs,
 * per backend, in its own node process beside its own numpy process (bench/numpy_reference.py, driven over
 * a pipe), so that each side's peak RSS is that section's own; inside it the two sides alternate epoch by
 * epoch (chunks of epochs for the homework setting). The parent process only starts the children, one at a
 * time, collects their JSON results and prints the tables and the targets (bench/targets.ts).
 *
 * A second pass (--unpinned) repeats the native runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed
 * from the children's environment — both sides alike — and reports which kernel OpenBLAS then picks.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, probeBackend, useBackend } from '../src/backends.js';
import { command, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, firstLine, isMainModule, parseChoiceList, parseFlags, parseInteger, runAsMain, UsageError } from '../src/cli/common.js';
import { TRAIN_DEFAULTS as DEFAULTS } from '../src/train/config.js';
import { writeDatasetFile, readDatasetFile } from './dataset_file.js';
import { HOMEWORK_BACKENDS, homeworkMnist, runHomework } from './homework.js';
import { buildOwnSgemmBeside } from './native_builds.js';
import { defaultJobConfig, loadJobDataset, optimizerText, runDefaultJob, type JobReport } from './job.js';
import { startNumpy, type NumpyBaseline, type NumpyInfo } from './numpy.js';
import { PEER_NAMES, peerSkipText, startPeers, type PeerName } from './peers.js';
import { formatTable, type BenchReport, type CompareTiming, type HomeworkRun, type PassName, type PassReport, type PeersSection, type RssRow, type SectionName, type SkipRow, type TimingRow } from './report.js';
import { checkPageWritable, operatingSystem, writeBenchmarksPage } from './docs_page.js';
import { pythonVersions } from './python_server.js';
import { computeTargets } from './targets.js';
import { timeCompare, timeW } from './full_batch_section.js';
import { HOMEWORK_SHAPE, WORKLOAD_W, flopsPerEpoch, makeHomeworkDataset } from './workload.js';

export const SECTIONS: readonly SectionName[] = ['job', 'w', 'homework', 'peers'];
export const PASSES: readonly PassName[] = ['pinned', 'unpinned'];
const BENCH_BACKENDS: readonly BackendName[] = ['native', 'tensorflow', 'wasm', 'cpu'];
/** The variables the unpinned pass removes from both sides' environment. */
export const PIN_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;
/** Backends that run sgemm through OpenBLAS: the only ones the unpinned pass repeats. */
const BLAS_BACKENDS: readonly BackendName[] = ['native'];

export const USAGE = `usage: npm run bench -- [flags]      (or: npx handgrad bench [flags])

  --sections job,w,homework,peers   which sections to run (default all, in this order):
                                job       the default job: \`npm run train\` with no flags (MNIST, ${DEFAULTS.hidden} hidden,
                                          ${DEFAULTS.optimizer}, batch ${DEFAULTS.batchSize}, ${DEFAULTS.epochs} epochs) against the same loop in numpy, epoch by epoch
                                w         workload W: full-batch epochs of 10000×784 → 1000 → 10, manual and autodiff
                                homework  the homework setting: 200 full-batch momentum epochs with evaluation, in chunks
                                peers     the default job and the homework setting on the first backend of --backends
                                          against numpy, PyTorch (eager, torch.compile) and JAX (jitted step, jitted
                                          epoch), epoch by epoch (pinned pass only; a missing torch or jax is one skip line)
  --backends native,tensorflow,wasm,cpu   backends for job and w (default all four; those that cannot load are skipped)
  --unpinned                  add a second pass with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in both sides'
                              processes (native only; wasm and cpu do not use OpenBLAS)
  --passes pinned,unpinned    the passes to run (default pinned; --unpinned = pinned,unpinned)
  --job-epochs N              default-job epochs (default ${DEFAULTS.epochs}, the trainer's; the first is warm-up)
  --job-rows N                train on the first N training rows (valid and test: N/5 each) instead of all
  --job-cpu-rows N            rows for the cpu backend's default job (default 2500; full epochs take minutes there)
  --epochs N                  W: timed epochs after warm-up (default 7, at least 5)
  --wasm-rows N, --cpu-rows N W: rows for wasm / cpu (default 2500 / 500 of 10000)
  --skip-compare              W: do not time \`npm run compare\`'s checks on each backend
  --homework-epochs N         homework epochs (default 200; 0 skips the section)
  --homework-chunk N          homework epochs per interleaved chunk (default 10)
  --peers LIST                peers: ${PEER_NAMES.join(',')} (default all)
  --peers-homework-epochs N   peers: homework epochs (default 40, in chunks of --homework-chunk; 0 skips that part)
  --write-docs                also write the report as a Markdown page (generated, dated, with the machine), atomically
  --docs-file PATH            write the page here instead of docs/benchmarks.md (implies --write-docs)
  --skip-native-builds        job: do not build native's other GEMM (where the addon links OpenBLAS, the bench builds
                              a copy with handgrad's own sgemm, HANDGRAD_NATIVE_BLAS=none, and runs the job on it too)
  --numpy-threads N           OPENBLAS_NUM_THREADS for numpy's process only (default: numpy's own choice, one per
                              core); on a busy machine multi-threaded BLAS on small products slows down far more
                              than single-threaded code, so compare with --numpy-threads 1
  --seed N                    W's data and weights (default 0)
  --json                      the whole report as JSON on stdout (progress goes to stderr)
  -h, --help                  this text
`;

export interface BenchOptions {
  json: boolean;
  sections: SectionName[];
  backends: BackendName[];
  passes: PassName[];
  /** W: timed epochs. */
  epochs: number;
  /** W: rows of W the slow backends run (numpy runs the same rows in their blocks). */
  subsetRows: Partial<Record<BackendName, number>>;
  compare: boolean;
  jobEpochs: number;
  /** Training rows of the default job on every backend; null = all. */
  jobRows: number | null;
  jobCpuRows: number;
  homeworkEpochs: number;
  /** Epochs per interleaved chunk of the homework run. */
  homeworkChunk: number;
  seed: number;
  /** OPENBLAS_NUM_THREADS for the numpy processes; null = numpy's default. */
  numpyThreads: number | null;
  peers: PeerName[];
  peersHomeworkEpochs: number;
  writeDocs: boolean;
  docsFile: string;
  /** The default job on native also runs on the addon's other build (own sgemm beside OpenBLAS). */
  nativeBuilds: boolean;
  help: boolean;
}

const OPTIONS = {
  json: { type: 'boolean', default: false },
  sections: { type: 'string', default: SECTIONS.join(',') },
  backends: { type: 'string', default: BENCH_BACKENDS.join(',') },
  passes: { type: 'string' },
  unpinned: { type: 'boolean', default: false },
  epochs: { type: 'string', default: '7' },
  'wasm-rows': { type: 'string', default: '2500' },
  'cpu-rows': { type: 'string', default: '500' },
  'skip-compare': { type: 'boolean', default: false },
  'job-epochs': { type: 'string', default: String(DEFAULTS.epochs) },
  'job-rows': { type: 'string' },
  'job-cpu-rows': { type: 'string', default: '2500' },
  'homework-epochs': { type: 'string', default: '200' },
  'homework-chunk': { type: 'string', default: '10' },
  seed: { type: 'string', default: '0' },
  'numpy-threads': { type: 'string' },
  peers: { type: 'string', default: PEER_NAMES.join(',') },
  'peers-homework-epochs': { type: 'string', default: '40' },
  'write-docs': { type: 'boolean', default: false },
  'docs-file': { type: 'string' },
  'skip-native-builds': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const values = parseFlags(argv, OPTIONS);
  if (values.passes !== undefined && values.unpinned) throw new UsageError('--passes and --unpinned: give one of them, not both');
  const rowsFlag = (name: 'wasm-rows' | 'cpu-rows'): number => {
    const rows = parseInteger(name, values[name], 1);
    if (rows > WORKLOAD_W.rows) throw new UsageError(`--${name}: at most ${WORKLOAD_W.rows} (the rows of W), got ${rows}`);
    return rows;
  };
  return {
    json: values.json,
    sections: parseChoiceList('sections', values.sections, SECTIONS),
    backends: parseChoiceList('backends', values.backends, BENCH_BACKENDS),
    passes: values.unpinned ? ['pinned', 'unpinned'] : parseChoiceList('passes', values.passes ?? 'pinned', PASSES),
    epochs: parseInteger('epochs', values.epochs, 5),
    subsetRows: { wasm: rowsFlag('wasm-rows'), cpu: rowsFlag('cpu-rows') },
    compare: !values['skip-compare'],
    jobEpochs: parseInteger('job-epochs', values['job-epochs'], 2),
    jobRows: values['job-rows'] === undefined ? null : parseInteger('job-rows', values['job-rows'], 1),
    jobCpuRows: parseInteger('job-cpu-rows', values['job-cpu-rows'], 1),
    homeworkEpochs: parseInteger('homework-epochs', values['homework-epochs'], 0),
    homeworkChunk: parseInteger('homework-chunk', values['homework-chunk'], 1),
    seed: parseInteger('seed', values.seed, 0),
    numpyThreads: values['numpy-threads'] === undefined ? null : parseInteger('numpy-threads', values['numpy-threads'], 1),
    peers: parseChoiceList('peers', values.peers, PEER_NAMES),
    peersHomeworkEpochs: parseInteger('peers-homework-epochs', values['peers-homework-epochs'], 0),
    writeDocs: values['write-docs'] || values['docs-file'] !== undefined,
    docsFile: values['docs-file'] ?? 'docs/benchmarks.md',
    nativeBuilds: !values['skip-native-builds'],
    help: values.help,
  };
}

/** Progress goes to stderr, so `--json` output on stdout stays clean. */
function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// The child: one section on one backend, beside its own numpy process.

export type ChildTask = { numpyThreads: number | null } & (
  | { section: 'job'; backend: BackendName; epochs: number; rows: number | null; subsetReason: string | null; denseProducts: boolean; otherBuild?: { label: string; addon: string } }
  | { section: 'w'; backend: BackendName; rows: number; epochs: number; compare: boolean; seed: number }
  | { section: 'homework'; backend: BackendName; epochs: number; chunk: number; seed: number; datasetFile: string }
  | { section: 'peers'; backend: BackendName; peers: PeerName[]; jobEpochs: number; jobRows: number | null; homeworkEpochs: number; chunk: number; seed: number; datasetFile: string }
);

export type ChildResult =
  | {
      ok: true;
      task: ChildTask;
      job?: JobReport;
      w?: { timings: TimingRow[]; compare: CompareTiming | null };
      homework?: HomeworkRun;
      peers?: PeersSection;
      rss: { handgradMiB: number; numpyMiB: number | null };
      numpy: NumpyInfo | null;
      numpySkipped: string | null;
      native: { blasCore: string; description: string } | null;
    }
  | { ok: false; task: ChildTask; unavailable: boolean; reason: string };

/** This process's peak resident set size in bytes: VmHWM (ru_maxrss on Linux includes the parent's RSS at fork). */
export function peakRssBytes(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    if (line) return Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Runs one section on one backend in this process, with its own numpy server (null without numpy). */
export async function runTask(task: ChildTask, numpy: NumpyBaseline | null): Promise<Omit<Extract<ChildResult, { ok: true }>, 'rss' | 'numpy' | 'numpySkipped' | 'native'>> {
  tf.enableProdMode(); // as `npm run train` runs
  if (task.section === 'job') {
    const dataset = loadJobDataset(task.rows);
    const config = defaultJobConfig(dataset.features, dataset.classes, task.epochs);
    const job = await runDefaultJob({ backend: task.backend, dataset, config, subset: task.subsetReason }, numpy, log);
    return { ok: true, task, job: { ...job, backend: runLabel(task) } };
  }
  if (task.section === 'w') {
    await useBackend(task.backend);
    const timings = await timeW({ backend: task.backend, rows: task.rows, epochs: task.epochs, seed: task.seed }, numpy, log);
    const compare = task.compare ? (log(`  ${task.backend}: timing compare`), await timeCompare(task.backend)) : null;
    return { ok: true, task, w: { timings, compare } };
  }
  if (task.section === 'peers') return { ok: true, task, peers: await runPeers(task, numpy) };
  const dataset = readDatasetFile(task.datasetFile);
  const homework = await runHomework({ backend: task.backend, shape: HOMEWORK_SHAPE, dataset, epochs: task.epochs, chunkEpochs: task.chunk, seed: task.seed }, numpy, log);
  return { ok: true, task, homework };
}

/** The peers section: the default job, then the homework setting, each with numpy and every peer that starts beside handgrad. */
async function runPeers(task: Extract<ChildTask, { section: 'peers' }>, numpy: NumpyBaseline | null): Promise<PeersSection> {
  const { peers, skipped } = await startPeers(task.peers);
  for (const skip of skipped) log(`  peers: ${peerSkipText(skip)}`);
  const section: PeersSection = { backend: task.backend, job: null, homework: null, skipped };
  if (peers.length === 0) return section;
  try {
    if (task.jobEpochs > 0) {
      const dataset = loadJobDataset(task.jobRows);
      const config = defaultJobConfig(dataset.features, dataset.classes, task.jobEpochs);
      const subset = task.jobRows === null ? null : `--job-rows ${task.jobRows}: the first ${dataset.train.n} training rows and a fifth as many valid and test rows, on every side`;
      section.job = await runDefaultJob({ backend: task.backend, dataset, config, subset }, numpy, log, peers);
    }
    if (task.homeworkEpochs > 0) {
      const dataset = readDatasetFile(task.datasetFile);
      section.homework = await runHomework({ backend: task.backend, shape: HOMEWORK_SHAPE, dataset, epochs: task.homeworkEpochs, chunkEpochs: task.chunk, seed: task.seed }, numpy, log, peers);
    }
  } finally {
    for (const peer of peers) peer.close();
  }
  return section;
}

async function childMain(taskJson: string): Promise<void> {
  const task = JSON.parse(taskJson) as ChildTask;
  const emit = (result: ChildResult): void => void process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  const probe = await probeBackend(task.backend);
  if (!probe.available) return emit({ ok: false, task, unavailable: true, reason: probe.reason });
  const started = await startNumpy(task.numpyThreads === null ? {} : { threads: task.numpyThreads });
  const numpy = started.ok ? started.baseline : null;
  try {
    const result = await runTask(task, numpy);
    let native: { blasCore: string; description: string } | null = null;
    if (task.backend === 'native') {
      const { nativeInfo } = await import('../native/backend.js');
      const info = nativeInfo();
      native = { blasCore: info.blasCore, description: `OpenBLAS core ${info.blasCore}, ${info.blasThreads} BLAS threads, ${info.workers} kernel threads${info.sparseProducts ? ', products skip the zeros of a mostly-zero left operand' : ''}` };
    }
    const numpyRss = numpy ? await numpy.peakRssBytes() : null;
    emit({
      ...result,
      rss: { handgradMiB: peakRssBytes() / 2 ** 20, numpyMiB: numpyRss === null ? null : numpyRss / 2 ** 20 },
      numpy: numpy?.info ?? null,
      numpySkipped: started.ok ? null : started.reason,
      native,
    });
  } catch (error) {
    emit({ ok: false, task, unavailable: false, reason: firstLine(error) });
  } finally {
    numpy?.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The parent: starts the children one after the other and assembles the report.

const RESULT_MARKER = '@@handgrad-bench-result ';

/** The 1-minute load averages seen before and after each section's child. */
const loadSamples: number[] = [];
function sampleLoad(): void {
  loadSamples.push(os.loadavg()[0]);
}
const SCRIPT = fileURLToPath(import.meta.url);
/** How a child runs this module: as this process does, plus tsx when this is the TypeScript source run without it (the bin registers tsx in-process). */
const CHILD_EXEC_ARGV = SCRIPT.endsWith('.ts') && !process.execArgv.some((arg) => arg.includes('tsx')) ? [...process.execArgv, '--import', import.meta.resolve('tsx')] : process.execArgv;

export function environmentFor(pass: PassName, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (pass === 'pinned') return { ...env };
  const copy = { ...env };
  for (const name of PIN_VARIABLES) delete copy[name];
  return copy;
}

/** The OPENBLAS_* and thread variables of `env`, for the report. */
export function reportedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    if (/^(OPENBLAS_|OMP_NUM_THREADS|HANDGRAD_NATIVE)/.test(key)) out[key] = env[key] ?? '';
  }
  return out;
}

/** The run's name in the report: its backend, `dense` for the default job with the zero-skipping products off, or the other native build's label. */
export function runLabel(task: ChildTask): string {
  if (task.section !== 'job') return task.backend;
  if (task.otherBuild !== undefined) return `${task.backend} ${task.otherBuild.label}`;
  return task.denseProducts ? `${task.backend} dense` : task.backend;
}

function childEnvFor(task: ChildTask, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (task.section !== 'job') return env;
  if (task.otherBuild !== undefined) return { ...env, HANDGRAD_NATIVE_ADDON: task.otherBuild.addon };
  return task.denseProducts ? { ...env, HANDGRAD_NATIVE_SPARSE: '0' } : env;
}

/**
 * Runs `task` in a child node process (the same loader as this one) with `env` (and HANDGRAD_NATIVE_SPARSE=0
 * for a dense-products run, HANDGRAD_NATIVE_ADDON for the other native build); its progress lines pass through to stderr.
 */
function runChild(task: ChildTask, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  const childEnv = childEnvFor(task, env);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CHILD_EXEC_ARGV, SCRIPT, '--child', JSON.stringify(task)], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let result: ChildResult | null = null;
    let lastError = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(RESULT_MARKER)) result = JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult;
      else log(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() !== '') lastError = line;
      log(line);
    });
    child.on('close', (code, signal) => {
      resolve(result ?? { ok: false, task, unavailable: false, reason: `the ${task.section} child exited (${signal ?? `code ${code}`}): ${lastError || 'no output'}` });
    });
  });
}

function passNote(pass: PassName, env: NodeJS.ProcessEnv): string {
  const set = PIN_VARIABLES.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
  if (pass === 'pinned') return set.length > 0 ? `both sides with ${set.join(' ')} as the environment sets it` : 'the environment sets no OpenBLAS pin';
  if (set.length === 0) return 'the environment sets no OpenBLAS pin, so this pass repeats the first';
  const left = PIN_VARIABLES.filter((name) => env[name] !== undefined);
  return `${set.join(' ')} unset in both sides' processes (handgrad's node and numpy's python)${left.length > 0 ? ` — but ${left.join(', ')} still set` : ''}; native only (wasm and cpu do not use OpenBLAS)`;
}

/**
 * The homework setting's rows (MNIST's, or synthetic ones where MNIST cannot be read) in a temporary file,
 * written once per bench run: the homework child reads only these rows, as numpy gets only these rows.
 */
function homeworkDatasetFile(scratch: string, seed: number): string {
  const path = join(scratch, 'homework-rows.bin');
  if (!existsSync(path)) {
    tf.enableProdMode();
    writeDatasetFile(path, homeworkMnist(log) ?? makeHomeworkDataset(HOMEWORK_SHAPE, seed));
  }
  return path;
}

/** What the sections of one pass share: how they start a child, and what the pass collects from the children. */
interface PassRun {
  pass: PassName;
  env: NodeJS.ProcessEnv;
  options: BenchOptions;
  scratch: string;
  /** The backends this pass runs: all of --backends in the pinned pass, the OpenBLAS ones in the unpinned. */
  backends: BackendName[];
  skipped: SkipRow[];
  rss: RssRow[];
  numpyInfo: NumpyInfo | null;
  native: { blasCore: string; description: string } | null;
  /** Runs a child; null when its backend is unavailable (skipped once per pass) or it failed (recorded). */
  run(task: ChildTask): Promise<Extract<ChildResult, { ok: true }> | null>;
}

function passRun(pass: PassName, options: BenchOptions, scratch: string, failures: string[]): PassRun {
  const env = environmentFor(pass);
  /** Backends that could not load in this pass: skipped once, not started again for the next sections. */
  const unavailable = new Set<BackendName>();
  const state: PassRun = {
    pass,
    env,
    options,
    scratch,
    backends: pass === 'pinned' ? options.backends : options.backends.filter((b) => BLAS_BACKENDS.includes(b)),
    skipped: [],
    rss: [],
    numpyInfo: null,
    native: null,
    run: async (task) => {
      if (unavailable.has(task.backend)) return null;
      log(`[${pass}] ${task.section} on ${task.backend}`);
      sampleLoad();
      const result = await runChild(task, env);
      sampleLoad();
      if (!result.ok) {
        if (result.unavailable) {
          unavailable.add(task.backend);
          state.skipped.push({ backend: task.backend, reason: result.reason });
        } else {
          state.skipped.push({ backend: `${task.section} ${runLabel(task)}`, reason: `FAILED: ${result.reason}` });
          failures.push(`${pass} ${task.section} ${runLabel(task)}: ${result.reason}`);
        }
        log(`[${pass}] ${task.section} on ${task.backend}: ${result.unavailable ? 'skipped' : 'FAILED'} (${result.reason})`);
        return null;
      }
      state.numpyInfo ??= result.numpy;
      state.native ??= result.native;
      if (result.numpySkipped !== null && !state.skipped.some((s) => s.backend === 'numpy')) state.skipped.push({ backend: 'numpy', reason: `${result.numpySkipped}; ratios are not available` });
      state.rss.push({ section: task.section, backend: runLabel(task), handgradMiB: result.rss.handgradMiB, numpyMiB: result.rss.numpyMiB });
      return result;
    },
  };
  return state;
}

async function jobSection(p: PassRun): Promise<PassReport['job']> {
  const { options } = p;
  const runs: JobReport[] = [];
  for (const backend of p.backends) {
    const cpuSubset = backend === 'cpu' && (options.jobRows === null || options.jobRows > options.jobCpuRows);
    const rows = cpuSubset ? options.jobCpuRows : options.jobRows;
    const subsetReason = cpuSubset
      ? `cpu runs the first ${rows} training rows and a fifth as many valid and test rows (--job-cpu-rows; a full epoch takes minutes on cpu), and numpy the same rows`
      : rows !== null
        ? `--job-rows ${rows}: the first ${rows} training rows and a fifth as many valid and test rows, on both sides`
        : null;
    // native twice: as it runs (zero-skipping products), then with every product through dense BLAS, as numpy's.
    for (const denseProducts of backend === 'native' ? [false, true] : [false]) {
      const result = await p.run({ numpyThreads: options.numpyThreads, section: 'job', backend, epochs: options.jobEpochs, rows, subsetReason, denseProducts });
      if (result?.job) runs.push(result.job);
    }
    // And on the other build: handgrad's own sgemm, what a machine without OpenBLAS builds.
    if (backend === 'native' && p.pass === 'pinned' && options.nativeBuilds) {
      const other = buildOwnSgemmBeside();
      if ('reason' in other) log(`bench: native sgemm build skipped: ${other.reason}`);
      else {
        try {
          const result = await p.run({ numpyThreads: options.numpyThreads, section: 'job', backend, epochs: options.jobEpochs, rows, subsetReason, denseProducts: false, otherBuild: { label: other.label, addon: other.addon } });
          if (result?.job) runs.push(result.job);
        } finally {
          other.remove();
        }
      }
    }
  }
  const full = loadJobDataset(null);
  const config = defaultJobConfig(full.features, full.classes, options.jobEpochs);
  return {
    description: { layers: config.layers, optimizer: optimizerText(config), grad: config.grad, batchSize: config.batchSize, epochs: config.epochs, sizes: { train: full.train.n, valid: full.valid.n, test: full.test.n } },
    runs,
  };
}

async function wSection(p: PassRun): Promise<PassReport['w']> {
  const { options } = p;
  const timings: TimingRow[] = [];
  const compare: CompareTiming[] = [];
  for (const backend of p.backends) {
    const rows = options.subsetRows[backend] ?? WORKLOAD_W.rows;
    const epochs = rows < WORKLOAD_W.rows ? Math.min(options.epochs, 5) : options.epochs;
    const result = await p.run({ numpyThreads: options.numpyThreads, section: 'w', backend, rows, epochs, compare: options.compare, seed: options.seed });
    if (result?.w) {
      timings.push(...result.w.timings);
      if (result.w.compare) compare.push(result.w.compare);
    }
  }
  const full = timings.filter((t) => t.backend !== 'numpy' && t.rows === WORKLOAD_W.rows && t.vsNumpy !== null).sort((a, b) => (a.vsNumpy ?? Infinity) - (b.vsNumpy ?? Infinity));
  return {
    workload: { rows: WORKLOAD_W.rows, layers: [...WORKLOAD_W.layers], optimizer: `momentum (γ ${WORKLOAD_W.momentum}, α ${WORKLOAD_W.lr})`, gflopPerEpoch: flopsPerEpoch(WORKLOAD_W.rows, WORKLOAD_W.layers) },
    timings,
    compare,
    best: full[0] ? { backend: full[0].backend, grads: full[0].grads, vsNumpy: full[0].vsNumpy ?? NaN } : null,
  };
}

/** The homework setting on the fastest manual backend W measured, else the first of tensorflow, native that loads. */
async function homeworkSection(p: PassRun, w: PassReport['w']): Promise<PassReport['homework']> {
  const { options } = p;
  const candidates = HOMEWORK_BACKENDS.filter((b) => p.backends.includes(b));
  const fromW = w?.timings.filter((t) => candidates.includes(t.backend as BackendName) && t.grads === 'manual' && t.rows === WORKLOAD_W.rows).sort((a, b) => a.medianMs - b.medianMs)[0];
  let backend = fromW?.backend as BackendName | undefined;
  for (const name of ['tensorflow', 'native'] as const) {
    if (backend === undefined && candidates.includes(name) && (await probeBackend(name)).available) backend = name;
  }
  if (backend === undefined) return { skipped: `needs ${HOMEWORK_BACKENDS.join(' or ')} in --backends, loadable` };
  const datasetFile = homeworkDatasetFile(p.scratch, options.seed);
  const result = await p.run({ numpyThreads: options.numpyThreads, section: 'homework', backend, epochs: options.homeworkEpochs, chunk: options.homeworkChunk, seed: options.seed, datasetFile });
  return result?.homework ?? { skipped: `the run on ${backend} failed` };
}

/** The peers section, on the first backend of --backends (native by default). */
async function peersSection(p: PassRun): Promise<PeersSection | null> {
  const { options } = p;
  const backend = p.backends[0];
  const datasetFile = homeworkDatasetFile(p.scratch, options.seed);
  const result = await p.run({
    numpyThreads: options.numpyThreads,
    section: 'peers',
    backend,
    peers: options.peers,
    jobEpochs: options.jobEpochs,
    jobRows: options.jobRows,
    homeworkEpochs: options.peersHomeworkEpochs,
    chunk: options.homeworkChunk,
    seed: options.seed,
    datasetFile,
  });
  return result?.peers ?? null;
}

async function runPass(pass: PassName, options: BenchOptions, scratch: string, failures: string[]): Promise<PassReport> {
  const p = passRun(pass, options, scratch, failures);
  const job = options.sections.includes('job') ? await jobSection(p) : null;
  const w = options.sections.includes('w') ? await wSection(p) : null;
  const homework = options.sections.includes('homework') && options.homeworkEpochs > 0 ? await homeworkSection(p, w) : null;
  // Peers bring their own BLAS: the unpinned pass (which is about OpenBLAS's pin) does not repeat them.
  const peers = options.sections.includes('peers') && pass === 'pinned' && p.backends.length > 0 ? await peersSection(p) : null;
  const { skipped, rss, numpyInfo, native } = p;
  return {
    pass,
    env: reportedEnv(p.env),
    note: passNote(pass, p.env),
    blasCore: { numpy: numpyInfo?.blasCore ?? null, native: native?.blasCore ?? null },
    numpyThreads: numpyInfo?.blasThreads ?? null,
    numpy: numpyInfo?.description ?? null,
    native: native?.description ?? null,
    job,
    w,
    homework,
    peers,
    skipped,
    rss,
    targets: computeTargets({ job, w, homework, rss }),
  };
}

async function benchMain(argv: string[]): Promise<number> {
  if (argv[0] === '--child' && argv[1] !== undefined) {
    await childMain(argv[1]);
    return EXIT_OK;
  }
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  // A page that cannot be written is found out before the run, not after it.
  if (options.writeDocs) checkPageWritable(options.docsFile);
  const loadBefore = os.loadavg();
  sampleLoad();
  const failures: string[] = [];
  const passes: PassReport[] = [];
  const scratch = mkdtempSync(join(os.tmpdir(), 'handgrad-bench-'));
  const cleanUp = (): void => rmSync(scratch, { recursive: true, force: true });
  // Ctrl-C reaches the children too (same process group); the scratch folder goes with the bench.
  const onSigint = (): void => {
    cleanUp();
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  try {
    for (const pass of options.passes) passes.push(await runPass(pass, options, scratch, failures));
  } finally {
    cleanUp();
    process.off('SIGINT', onSigint);
  }
  const report: BenchReport = {
    generated: new Date().toISOString(),
    argv,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: operatingSystem(),
      node: process.version,
      python: pythonVersions(),
      loadBefore,
      loadAfter: os.loadavg(),
      loadRange: [Math.min(...loadSamples), Math.max(...loadSamples)],
      env: reportedEnv(process.env),
    },
    sections: options.sections,
    numpyThreads: options.numpyThreads,
    passes,
  };
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);
  if (options.writeDocs) {
    writeBenchmarksPage(options.docsFile, report);
    log(`bench: wrote ${options.docsFile}`);
  }
  for (const failure of failures) log(`bench: ${failure}`);
  return failures.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** `handgrad bench`: the bin's entry and this module's own when run as a script (not when a test imports parseBenchArgs). */
export const run = command('bench', benchMain);

if (isMainModule(import.meta.url)) void runAsMain(run);

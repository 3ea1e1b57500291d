/**
 * Client for bench/numpy_reference.py, the homework's network in numpy, run as a child process
 * so that its epochs can be interleaved with handgrad's under the same machine load.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/dataset.js';
import type { OptimizerConfig } from '../src/train/config.js';
import type { EncodedSnapshot } from '../src/train/snapshot.js';
import type { SplitsMetrics as HomeworkMetrics } from '../src/train/loop.js';
import type { Workload } from './workload.js';

/** The script beside this module in the sources (bench/), or beside the package's dist/ when compiled (dist/bench/). */
const SCRIPT_CANDIDATES = ['./numpy_reference.py', '../../bench/numpy_reference.py'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const SCRIPT = SCRIPT_CANDIDATES.find((path) => existsSync(path)) ?? SCRIPT_CANDIDATES[0];

/** numpy's version and BLAS, and the kernel its OpenBLAS picked on this machine. */
export interface NumpyInfo {
  description: string;
  /** openblas_get_corename() of numpy's own OpenBLAS ("unknown" where numpy is not linked with OpenBLAS). */
  blasCore: string;
  blasThreads: number;
}

export interface NumpyBaseline {
  info: NumpyInfo;
  /** numpy's version and the BLAS it is linked with. */
  description: string;
  /** Workload W's random data and Xavier weights (bench/numpy_reference.py's WorkloadRun); before epoch(). */
  workload(workload: Workload, seed: number): Promise<void>;
  /** One epoch of W on the first `rows` rows: wall milliseconds measured inside Python, and the loss. */
  epoch(rows: number): Promise<{ ms: number; loss: number }>;
  /**
   * Starts a fresh homework run (bench/numpy_reference.py's HomeworkRun) on exactly this data set and these
   * initial parameters: the params block of a training state in the saved-state format (src/train/snapshot.ts:
   * W_h, b_h, W_o, b_o, row-major little-endian float32), sent over the pipe as raw bytes.
   */
  homework(data: Dataset, state: EncodedSnapshot, momentum: number, lr: number): Promise<void>;
  /** The next `count` epochs of the homework run: per epoch, step and evaluation milliseconds measured inside Python, and its metrics. */
  homeworkEpochs(count: number): Promise<NumpyHomeworkChunk>;
  /**
   * Starts a fresh default-job run (numpy_reference.py's JobRun) on exactly this data set and these initial
   * parameters (the params block of the saved-state format: W_1, b_1, …, W_L, b_L), with this optimizer,
   * batch size and evaluation chunk.
   */
  job(data: Dataset, state: EncodedSnapshot, optimizer: OptimizerConfig, batchSize: number, evalChunk: number): Promise<void>;
  /** One default-job epoch on the training rows in this order (a permutation of 0…n−1). */
  jobEpoch(order: Int32Array): Promise<NumpyJobEpoch>;
  peakRssBytes(): Promise<number>;
  close(): void;
}

export interface NumpyHomeworkChunk {
  stepMs: number[];
  evalMs: number[];
  metrics: HomeworkMetrics[];
}

export interface NumpyJobEpoch {
  /** Milliseconds of the epoch's steps and of its evaluation, measured inside Python. */
  stepMs: number;
  evalMs: number;
  steps: number;
  metrics: HomeworkMetrics;
}

function splitsMetrics(m: Record<string, unknown>): HomeworkMetrics {
  return {
    trainLoss: Number(m.trainLoss),
    trainAcc: Number(m.trainAcc),
    validLoss: Number(m.validLoss),
    validAcc: Number(m.validAcc),
    testLoss: Number(m.testLoss),
    testAcc: Number(m.testAcc),
  };
}

function numbers(reply: Record<string, unknown>, key: string, count: number): number[] {
  const value = reply[key];
  if (!Array.isArray(value) || value.length !== count) throw new Error(`numpy reference: expected ${count} values of "${key}"`);
  return value.map(Number);
}

function homeworkChunk(reply: Record<string, unknown>, count: number): NumpyHomeworkChunk {
  const metrics = reply.metrics;
  if (!Array.isArray(metrics) || metrics.length !== count) throw new Error(`numpy reference: expected ${count} epochs of metrics`);
  return {
    stepMs: numbers(reply, 'stepMs', count),
    evalMs: numbers(reply, 'evalMs', count),
    metrics: metrics.map((m: Record<string, unknown>) => splitsMetrics(m)),
  };
}

export type NumpyStart = { ok: true; baseline: NumpyBaseline } | { ok: false; reason: string };

function python(): string {
  return process.env.HANDGRAD_PYTHON ?? 'python3';
}

/** Why numpy cannot run here, or null. */
function unavailableReason(): string | null {
  const probe = spawnSync(python(), ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error) return `${python()} not found (${probe.error.message.split('\n')[0]})`;
  if (probe.status !== 0) return `numpy is not importable by ${python()} (pip install numpy)`;
  return null;
}

export interface NumpyStartOptions {
  /** OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) for numpy's process only; default: as numpy chooses (one per core). */
  threads?: number;
}

/**
 * Starts a numpy server (one per bench section, so that its peak RSS is the section's own) in this
 * process's environment, so it sees the same OPENBLAS_* variables as handgrad's side.
 */
export async function startNumpy(options: NumpyStartOptions = {}): Promise<NumpyStart> {
  const reason = unavailableReason();
  if (reason !== null) return { ok: false, reason };
  const env = options.threads === undefined ? process.env : { ...process.env, OPENBLAS_NUM_THREADS: String(options.threads), OMP_NUM_THREADS: String(options.threads) };
  const child: ChildProcessWithoutNullStreams = spawn(python(), [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A server that died mid-command closes the pipe (EPIPE): the next read reports it, with its last stderr line.
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();

  /** Sends a command line (and the raw bytes of `payload`, in order) and reads its one-line JSON reply. */
  async function ask(command: string, payload: ArrayBufferView[] = []): Promise<Record<string, unknown>> {
    child.stdin.write(`${command}\n`);
    // Typed arrays are in the host's byte order; numpy_reference.py reads little-endian (x86-64, arm64).
    for (const view of payload) child.stdin.write(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    const next = await iterator.next();
    if (next.done) {
      await exited; // its stderr may still be arriving after its stdout closed
      throw new Error(`numpy reference exited (${stderr.trim().split('\n').at(-1) || `code ${child.exitCode}, nothing on stderr`})`);
    }
    const reply = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof reply.error === 'string') throw new Error(`numpy reference: ${reply.error}`);
    return reply;
  }

  try {
    const hello = await ask('hello');
    const description = `numpy ${String(hello.numpy)} (${String(hello.blas)})`;
    const baseline: NumpyBaseline = {
      info: { description, blasCore: String(hello.blasCore), blasThreads: Number(hello.blasThreads) },
      description,
      workload: async ({ rows, layers, momentum, lr }, seed) => {
        await ask(`setup ${rows} ${layers[0]} ${layers[1]} ${layers[2]} ${seed} ${momentum} ${lr}`);
      },
      epoch: async (epochRows) => {
        const reply = await ask(`epoch ${epochRows}`);
        return { ms: Number(reply.ms), loss: Number(reply.loss) };
      },
      homework: async (data, state, momentum, lr) => {
        const splits = [data.train, data.valid, data.test];
        const [wHidden, , wOut] = state.manifest.params;
        if (state.manifest.params.length !== 4 || wHidden.shape[0] !== data.features || wOut.shape[1] !== data.classes) {
          throw new Error(`numpy reference: the homework network is ${data.features}→H→${data.classes} with one hidden layer, got params ${state.manifest.params.map((p) => p.name).join(', ')}`);
        }
        await ask(
          `homework ${splits.map((s) => s.n).join(' ')} ${data.features} ${wHidden.shape[1]} ${data.classes} ${momentum} ${lr}`,
          [...splits.flatMap((s) => [s.x, s.labels]), state.params],
        );
      },
      homeworkEpochs: async (count) => homeworkChunk(await ask(`homework_epochs ${count}`), count),
      job: async (data, state, optimizer, batchSize, evalChunk) => {
        const splits = [data.train, data.valid, data.test];
        const { kind, lr, momentum, beta1, beta2, epsilon } = optimizer;
        const kernels = state.manifest.params.filter((_, i) => i % 2 === 0);
        const layers = [kernels[0].shape[0], ...kernels.map((w) => w.shape[1])];
        await ask(
          `job ${splits.map((s) => s.n).join(' ')} ${layers.length - 1} ${layers.join(' ')} ${batchSize} ${evalChunk} ${kind} ${lr} ${momentum} ${beta1} ${beta2} ${epsilon}`,
          [...splits.flatMap((s) => [s.x, s.labels]), state.params],
        );
      },
      jobEpoch: async (order) => {
        const reply = await ask('job_epoch', [order]);
        const metrics = reply.metrics;
        if (typeof metrics !== 'object' || metrics === null) throw new Error('numpy reference: expected the epoch\'s metrics');
        return { stepMs: Number(reply.stepMs), evalMs: Number(reply.evalMs), steps: Number(reply.steps), metrics: splitsMetrics(metrics as Record<string, unknown>) };
      },
      peakRssBytes: async () => Number((await ask('rss')).peakRssBytes),
      close: () => {
        child.stdin.end('quit\n');
        lines.close();
      },
    };
    return { ok: true, baseline };
  } catch (error) {
    child.kill();
    return { ok: false, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  }
}

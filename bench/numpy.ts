/**
 * Client for bench/numpy_reference.py, the homework's network in numpy, run as a child process
 * so that its epochs can be interleaved with handgrad's under the same machine load.
 */
import type { Dataset } from '../src/data/dataset.js';
import type { OptimizerConfig } from '../src/train/config.js';
import type { EncodedSnapshot } from '../src/train/snapshot.js';
import type { SplitsMetrics as HomeworkMetrics } from '../src/train/loop.js';
import { benchScript, homeworkCommand, jobCommand, jobEpochReply, missingModule, splitsMetrics, startPythonServer, type PythonJobEpoch } from './python_server.js';
import type { Workload } from './workload.js';

const SCRIPT = benchScript('numpy_reference.py');

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

export type NumpyJobEpoch = PythonJobEpoch;

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

export interface NumpyStartOptions {
  /** OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) for numpy's process only; default: as numpy chooses (one per core). */
  threads?: number;
}

/**
 * Starts a numpy server (one per bench section, so that its peak RSS is the section's own) in this
 * process's environment, so it sees the same OPENBLAS_* variables as handgrad's side.
 */
export async function startNumpy(options: NumpyStartOptions = {}): Promise<NumpyStart> {
  const reason = missingModule('numpy');
  if (reason !== null) return { ok: false, reason };
  const env = options.threads === undefined ? process.env : { ...process.env, OPENBLAS_NUM_THREADS: String(options.threads), OMP_NUM_THREADS: String(options.threads) };
  const server = startPythonServer(SCRIPT, [], env, 'numpy reference');
  const { ask } = server;
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
        const { line, payload } = homeworkCommand(data, state, momentum, lr);
        await ask(line, payload);
      },
      homeworkEpochs: async (count) => homeworkChunk(await ask(`homework_epochs ${count}`), count),
      job: async (data, state, optimizer, batchSize, evalChunk) => {
        const { line, payload } = jobCommand(data, state, optimizer, batchSize, evalChunk);
        await ask(line, payload);
      },
      jobEpoch: async (order) => jobEpochReply(await ask('job_epoch', [order]), 'numpy reference'),
      peakRssBytes: async () => Number((await ask('rss')).peakRssBytes),
      close: () => server.close(),
    };
    return { ok: true, baseline };
  } catch (error) {
    server.kill();
    return { ok: false, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  }
}

/**
 * Client for bench/numpy_reference.py, the homework's network in numpy, run as a child process
 * so that its epochs can be interleaved with handgrad's under the same machine load.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/dataset.js';
import type { EncodedSnapshot } from '../src/train/snapshot.js';
import type { HomeworkMetrics } from './report.js';
import type { Workload } from './workload.js';

/** The script beside this module in the sources (bench/), or beside the package's dist/ when compiled (dist/bench/). */
const SCRIPT_CANDIDATES = ['./numpy_reference.py', '../../bench/numpy_reference.py'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const SCRIPT = SCRIPT_CANDIDATES.find((path) => existsSync(path)) ?? SCRIPT_CANDIDATES[0];

export interface NumpyBaseline {
  /** numpy's version and the BLAS it is linked with. */
  description: string;
  /** One epoch on the first `rows` rows: wall milliseconds measured inside Python, and the loss. */
  epoch(rows: number): Promise<{ ms: number; loss: number }>;
  /**
   * Starts a fresh homework run (bench/numpy_reference.py's HomeworkRun) on exactly this data set and these
   * initial parameters: the params block of a training state in the saved-state format (src/train/snapshot.ts:
   * W_h, b_h, W_o, b_o, row-major little-endian float32), sent over the pipe as raw bytes.
   */
  homework(data: Dataset, state: EncodedSnapshot, momentum: number, lr: number): Promise<void>;
  /** The next `count` epochs of the homework run: per epoch, step and evaluation milliseconds measured inside Python, and its metrics. */
  homeworkEpochs(count: number): Promise<NumpyHomeworkChunk>;
  peakRssBytes(): Promise<number>;
  close(): void;
}

export interface NumpyHomeworkChunk {
  stepMs: number[];
  evalMs: number[];
  metrics: HomeworkMetrics[];
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
    metrics: metrics.map((m: Record<string, unknown>) => ({
      trainLoss: Number(m.trainLoss),
      trainAcc: Number(m.trainAcc),
      validLoss: Number(m.validLoss),
      validAcc: Number(m.validAcc),
      testLoss: Number(m.testLoss),
      testAcc: Number(m.testAcc),
    })),
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

/** Starts the numpy server with workload W's shapes and momentum settings. */
export async function startNumpy(workload: Workload, seed: number): Promise<NumpyStart> {
  const reason = unavailableReason();
  if (reason !== null) return { ok: false, reason };
  const child: ChildProcessWithoutNullStreams = spawn(python(), [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();

  /** Sends a command line (and the raw bytes of `payload`, in order) and reads its one-line JSON reply. */
  async function ask(command: string, payload: ArrayBufferView[] = []): Promise<Record<string, unknown>> {
    child.stdin.write(`${command}\n`);
    // Typed arrays are in the host's byte order; numpy_reference.py reads little-endian (x86-64, arm64).
    for (const view of payload) child.stdin.write(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    const next = await iterator.next();
    if (next.done) throw new Error(`numpy reference exited (${stderr.trim().split('\n').at(-1) ?? 'no output'})`);
    const reply = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof reply.error === 'string') throw new Error(`numpy reference: ${reply.error}`);
    return reply;
  }

  const { rows, layers } = workload;
  try {
    const hello = await ask(`setup ${rows} ${layers[0]} ${layers[1]} ${layers[2]} ${seed} ${workload.momentum} ${workload.lr}`);
    const baseline: NumpyBaseline = {
      description: `numpy ${String(hello.numpy)} (${String(hello.blas)})`,
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

/**
 * Client for bench/numpy_reference.py, the homework's network in numpy, run as a child process
 * so that its epochs can be interleaved with handgrad's under the same machine load.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Workload } from './workload.js';

const SCRIPT = fileURLToPath(new URL('./numpy_reference.py', import.meta.url));

export interface NumpyBaseline {
  /** numpy's version and the BLAS it is linked with. */
  description: string;
  /** One epoch on the first `rows` rows: wall milliseconds measured inside Python, and the loss. */
  epoch(rows: number): Promise<{ ms: number; loss: number }>;
  peakRssBytes(): Promise<number>;
  close(): void;
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

  async function ask(command: string): Promise<Record<string, unknown>> {
    child.stdin.write(`${command}\n`);
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

/**
 * Clients for bench/peers_reference.py: the default job and the homework setting in PyTorch (eager, and
 * torch.compile) and JAX (a jitted step per batch, and a whole epoch jitted with lax.scan), one Python process
 * per peer, driven over the same pipe protocol as numpy's side and interleaved with handgrad's epochs by
 * bench/job.ts and bench/homework.ts.
 */
import type { Dataset } from '../src/data/dataset.js';
import type { OptimizerConfig } from '../src/train/config.js';
import type { SplitsMetrics } from '../src/train/loop.js';
import type { EncodedSnapshot } from '../src/train/snapshot.js';
import { benchScript, homeworkCommand, jobCommand, jobEpochReply, missingModule, splitsMetrics, startPythonServer, type PythonJobEpoch } from './python_server.js';

export const PEER_NAMES = ['torch-eager', 'torch-compile', 'jax-step', 'jax-scan'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** The module each peer imports: a peer whose module is missing is skipped, with one line naming it. */
const PEER_MODULE: Record<PeerName, 'torch' | 'jax'> = { 'torch-eager': 'torch', 'torch-compile': 'torch', 'jax-step': 'jax', 'jax-scan': 'jax' };

export const PEER_DESCRIPTIONS: Record<PeerName, string> = {
  'torch-eager': 'PyTorch eager: nn.Sequential, F.cross_entropy, torch.optim, 2 threads',
  'torch-compile': 'the same model wrapped in torch.compile (inductor)',
  'jax-step': 'JAX: jax.grad + jax.example_libraries.optimizers in one jitted step, called per batch',
  'jax-scan': 'JAX: the whole epoch jitted (lax.scan over the batches; the homework setting: over a chunk of epochs)',
};

const SCRIPT = benchScript('peers_reference.py');

export interface PeerHomeworkChunk {
  /** The chunk's wall milliseconds measured inside Python (steps and evaluation: jitted together in JAX). */
  ms: number;
  /** Milliseconds compiling for this chunk's length before it ran (jax-scan's first chunk of a length), else 0. */
  compileMs: number;
  metrics: SplitsMetrics[];
}

export interface PeerClient {
  name: PeerName;
  /** Framework and version, e.g. "torch 2.13.0+cpu, 2 threads". */
  framework: string;
  /** Starts a fresh default-job run (as numpy's job()); resolves to the compile milliseconds, or null for an eager peer. */
  job(data: Dataset, state: EncodedSnapshot, optimizer: OptimizerConfig, batchSize: number, evalChunk: number): Promise<number | null>;
  jobEpoch(order: Int32Array): Promise<PythonJobEpoch>;
  /** Starts a fresh homework run (as numpy's homework()); resolves to the compile milliseconds, or null. */
  homework(data: Dataset, state: EncodedSnapshot, momentum: number, lr: number): Promise<number | null>;
  homeworkEpochs(count: number): Promise<PeerHomeworkChunk>;
  close(): void;
}

/** Peers that could not start, and why, in one line. */
export interface PeerSkip {
  peers: PeerName[];
  reason: string;
}

const compileMs = (reply: Record<string, unknown>): number | null => (reply.compileMs === null || reply.compileMs === undefined ? null : Number(reply.compileMs));

async function startPeer(name: PeerName, env: NodeJS.ProcessEnv): Promise<PeerClient> {
  const label = `peer ${name}`;
  const server = startPythonServer(SCRIPT, [name], env, label);
  const { ask } = server;
  try {
    const hello = await ask('hello');
    return {
      name,
      framework: `${String(hello.framework)}, ${Number(hello.threads)} threads`,
      job: async (data, state, optimizer, batchSize, evalChunk) => {
        const { line, payload } = jobCommand(data, state, optimizer, batchSize, evalChunk);
        return compileMs(await ask(line, payload));
      },
      jobEpoch: async (order) => jobEpochReply(await ask('job_epoch', [order]), label),
      homework: async (data, state, momentum, lr) => {
        const { line, payload } = homeworkCommand(data, state, momentum, lr);
        return compileMs(await ask(line, payload));
      },
      homeworkEpochs: async (count) => {
        const reply = await ask(`homework_epochs ${count}`);
        if (!Array.isArray(reply.metrics) || reply.metrics.length !== count) throw new Error(`${label}: expected ${count} epochs of metrics`);
        return { ms: Number(reply.ms), compileMs: Number(reply.compileMs), metrics: reply.metrics.map((m: Record<string, unknown>) => splitsMetrics(m)) };
      },
      close: () => server.close(),
    };
  } catch (error) {
    server.kill();
    throw error;
  }
}

/**
 * Starts the named peers (all at once: importing torch or jax takes seconds) in `env`; a peer whose module
 * the bench's Python cannot import, or whose server fails to start, is skipped — one line per reason.
 */
export async function startPeers(names: readonly PeerName[], env: NodeJS.ProcessEnv = process.env): Promise<{ peers: PeerClient[]; skipped: PeerSkip[] }> {
  const missing = new Map<string, string | null>();
  for (const name of names) if (!missing.has(PEER_MODULE[name])) missing.set(PEER_MODULE[name], missingModule(PEER_MODULE[name]));
  const skipped: PeerSkip[] = [];
  const skip = (name: PeerName, reason: string): void => {
    const row = skipped.find((s) => s.reason === reason);
    if (row) row.peers.push(name);
    else skipped.push({ peers: [name], reason });
  };
  const started = await Promise.all(
    names.map(async (name) => {
      const reason = missing.get(PEER_MODULE[name]);
      if (reason) return skip(name, reason);
      try {
        return await startPeer(name, env);
      } catch (error) {
        return skip(name, (error instanceof Error ? error.message : String(error)).split('\n')[0]);
      }
    }),
  );
  return { peers: started.filter((p): p is PeerClient => p !== undefined), skipped };
}

/** "torch-eager, torch-compile: skipped (torch is not importable by python3 (pip install torch))". */
export function peerSkipText(skip: PeerSkip): string {
  return `${skip.peers.join(', ')}: skipped (${skip.reason})`;
}

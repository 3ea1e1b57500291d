/**
 * The pipe protocol of the bench's Python sides (bench/numpy_reference.py, bench/peers_reference.py): a
 * server started once, one command line (plus raw little-endian array bytes) in, one JSON line out; and the
 * two run set-ups both scripts read (a default-job run, a homework run) encoded once here.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/dataset.js';
import type { OptimizerConfig } from '../src/train/config.js';
import type { EncodedSnapshot } from '../src/train/snapshot.js';
import type { SplitsMetrics } from '../src/train/loop.js';

/** The interpreter the bench runs its Python sides with: $HANDGRAD_PYTHON, or python3. */
export function pythonCommand(): string {
  return process.env.HANDGRAD_PYTHON ?? 'python3';
}

/** A script beside this module in the sources (bench/), or beside the package's dist/ when compiled (dist/bench/). */
export function benchScript(name: string): string {
  const candidates = [`./${name}`, `../../bench/${name}`].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

/**
 * Why `module` cannot be imported by the bench's Python, in one line naming the module, or null when it can.
 * Not every failure is a missing module (a broken install raises something else): the line then quotes
 * Python's own last line.
 */
export function missingModule(module: string): string | null {
  const probe = spawnSync(pythonCommand(), ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.error) return `${pythonCommand()} not found (${probe.error.message.split('\n')[0]})`;
  if (probe.status === 0) return null;
  const last = probe.stderr.trim().split('\n').at(-1) ?? '';
  return /ModuleNotFoundError|No module named/.test(last)
    ? `${module} is not importable by ${pythonCommand()} (pip install ${module})`
    : `${module} does not import in ${pythonCommand()} (${last || `exit ${probe.status}`})`;
}

export interface PythonServer {
  /** Sends a command line (and the raw bytes of `payload`, in order) and reads its one-line JSON reply. */
  ask: (command: string, payload?: ArrayBufferView[]) => Promise<Record<string, unknown>>;
  close: () => void;
  kill: () => void;
}

/** Starts `python script ...args` as a server; `label` names it in errors ("numpy reference", "peer torch-eager"). */
export function startPythonServer(script: string, args: string[], env: NodeJS.ProcessEnv, label: string): PythonServer {
  const child: ChildProcessWithoutNullStreams = spawn(pythonCommand(), [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A server that died mid-command closes the pipe (EPIPE): the next read reports it, with its last stderr line.
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    ask: async (command, payload = []) => {
      child.stdin.write(`${command}\n`);
      // Typed arrays are in the host's byte order; the scripts read little-endian (x86-64, arm64).
      for (const view of payload) child.stdin.write(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      const next = await iterator.next();
      if (next.done) {
        await exited; // its stderr may still be arriving after its stdout closed
        throw new Error(`${label} exited (${stderr.trim().split('\n').at(-1) || `code ${child.exitCode}, nothing on stderr`})`);
      }
      const reply = JSON.parse(next.value) as Record<string, unknown>;
      if (typeof reply.error === 'string') throw new Error(`${label}: ${reply.error}`);
      return reply;
    },
    close: () => {
      child.stdin.end('quit\n');
      lines.close();
    },
    kill: () => {
      child.kill();
    },
  };
}

/** A command's line and the arrays that follow it on the pipe. */
export interface Command {
  line: string;
  payload: ArrayBufferView[];
}

/**
 * `job …`: a fresh default-job run on exactly this data set and these initial parameters (the params block of
 * the saved-state format: W_1, b_1, …, W_L, b_L), with this optimizer, batch size and evaluation chunk.
 */
export function jobCommand(data: Dataset, state: EncodedSnapshot, optimizer: OptimizerConfig, batchSize: number, evalChunk: number): Command {
  const splits = [data.train, data.valid, data.test];
  const { kind, lr, momentum, beta1, beta2, epsilon } = optimizer;
  const kernels = state.manifest.params.filter((_, i) => i % 2 === 0);
  const layers = [kernels[0].shape[0], ...kernels.map((w) => w.shape[1])];
  return {
    line: `job ${splits.map((s) => s.n).join(' ')} ${layers.length - 1} ${layers.join(' ')} ${batchSize} ${evalChunk} ${kind} ${lr} ${momentum} ${beta1} ${beta2} ${epsilon}`,
    payload: [...splits.flatMap((s) => [s.x, s.labels]), state.params],
  };
}

/** `homework …`: a fresh homework run (one hidden layer, momentum) on exactly this data set and these initial parameters. */
export function homeworkCommand(data: Dataset, state: EncodedSnapshot, momentum: number, lr: number): Command {
  const splits = [data.train, data.valid, data.test];
  const [wHidden, , wOut] = state.manifest.params;
  if (state.manifest.params.length !== 4 || wHidden.shape[0] !== data.features || wOut.shape[1] !== data.classes) {
    throw new Error(`the homework network is ${data.features}→H→${data.classes} with one hidden layer, got params ${state.manifest.params.map((p) => p.name).join(', ')}`);
  }
  return {
    line: `homework ${splits.map((s) => s.n).join(' ')} ${data.features} ${wHidden.shape[1]} ${data.classes} ${momentum} ${lr}`,
    payload: [...splits.flatMap((s) => [s.x, s.labels]), state.params],
  };
}

/** A `metrics` object of a reply. */
export function splitsMetrics(m: Record<string, unknown>): SplitsMetrics {
  return {
    trainLoss: Number(m.trainLoss),
    trainAcc: Number(m.trainAcc),
    validLoss: Number(m.validLoss),
    validAcc: Number(m.validAcc),
    testLoss: Number(m.testLoss),
    testAcc: Number(m.testAcc),
  };
}

/** One default-job epoch's reply (`job_epoch`): milliseconds of its steps and of its evaluation, measured inside Python. */
export interface PythonJobEpoch {
  stepMs: number;
  evalMs: number;
  steps: number;
  metrics: SplitsMetrics;
}

export function jobEpochReply(reply: Record<string, unknown>, label: string): PythonJobEpoch {
  const metrics = reply.metrics;
  if (typeof metrics !== 'object' || metrics === null) throw new Error(`${label}: expected the epoch's metrics`);
  return { stepMs: Number(reply.stepMs), evalMs: Number(reply.evalMs), steps: Number(reply.steps), metrics: splitsMetrics(metrics as Record<string, unknown>) };
}

/** The bench's Python and the versions of the packages its sides use (null: not installed). */
export interface PythonVersions {
  python: string;
  numpy: string | null;
  torch: string | null;
  jax: string | null;
}

/** Reads the versions from the installed packages' metadata (no import: torch and jax take seconds to import); null without Python. */
export function pythonVersions(): PythonVersions | null {
  const script = `
import importlib.metadata as m, json, platform
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
print(json.dumps({"python": platform.python_version(), "numpy": version("numpy"), "torch": version("torch"), "jax": version("jax")}))`;
  const probe = spawnSync(pythonCommand(), ['-c', script], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  return JSON.parse(probe.stdout) as PythonVersions;
}

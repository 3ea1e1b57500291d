/** Shared by the fault tests: the trainer as a real process (plain, or in a pseudo-terminal), run-folder probes, a tmpfs. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../../src/cli/common.js';
import { trainMain } from '../../src/cli/train.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Small and quick: 2000 MNIST training images, 32 hidden units, cpu. */
export const TINY = ['--train-size', '2000', '--valid-size', '500', '--test-size', '500', '--hidden', '32', '--backend', 'cpu'];

export type Finished = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number };

/**
 * Spawns `node --import tsx src/cli/train.ts ARGS`; `onOutput` sees stdout+stderr so far and may act
 * on the child (send it signals). Resolves when the process exits; kills it after `timeoutMs`.
 */
export function spawnTrain(args: string[], options: { onOutput?: (text: string, pid: number) => void; timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number } = {}): Promise<Finished> {
  return spawnProcess(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], options);
}

export function spawnProcess(
  command: string,
  args: string[],
  options: { onOutput?: (text: string, pid: number) => void; timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number; detached?: boolean } = {},
): Promise<Finished> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    detached: options.detached,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = '';
  let stderr = '';
  const pid = child.pid as number;
  const seen = (): void => options.onOutput?.(stdout + stderr, pid);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    seen();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    seen();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setTimeout(() => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }), 50);
    });
  });
}

export type PtyRun = Finished & { interruptedAfter: string | null };

/**
 * Runs `command` (a shell line) in a real pseudo-terminal with util-linux `script`, writes Ctrl-C
 * (\x03) to the terminal once the output matches `when`, and resolves when `script` exits (with the
 * command's status). The terminal then sends SIGINT to the whole foreground process group (the
 * launcher and the trainer alike), as when a person presses Ctrl-C.
 */
export function ptyRun(command: string, when: RegExp, timeoutMs = 180_000): Promise<PtyRun> {
  const started = performance.now();
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let interruptedAfter: string | null = null;
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (interruptedAfter === null) {
      const match = when.exec(out);
      if (match !== null) {
        interruptedAfter = match[0];
        child.stdin.write('\x03');
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      setTimeout(() => resolve({ code, signal, stdout: out.replace(/\r/g, ''), stderr: '', ms: performance.now() - started, interruptedAfter }), 50);
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `handgrad-${prefix}-`));
}

/** Epoch of checkpoints/latest.json (0: none). */
export function checkpointEpoch(out: string): number {
  const latest = join(out, 'checkpoints', 'latest.json');
  if (!existsSync(latest)) return 0;
  return (JSON.parse(readFileSync(latest, 'utf8')) as { epoch: number }).epoch;
}

/** metrics.csv rows without the header and the wall-time columns. */
export function metricRows(out: string): string[] {
  const path = join(out, 'metrics.csv');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(0, 7).join(','));
}

/** Every `.tmp-*` entry under `dir`, recursively (what a failed or killed write could leave). */
export function tempDebris(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.tmp-')) found.push(path);
    if (entry.isDirectory()) found.push(...tempDebris(path));
  }
  return found;
}

/** Lines of epoch reports ("epoch 3/40  train loss …") in some output. */
export function epochLines(text: string): string[] {
  return text.split('\n').filter((l) => /^epoch \d+\/\d+ +train loss/.test(l.replace(/^.*\r/, '')));
}

/** A tmpfs of `size` mounted at a fresh folder, or the reason it cannot be (not root, no CAP_SYS_ADMIN). */
export function mountTmpfs(size: string, readOnly = false): { dir: string; unmount: () => void } | { error: string } {
  const dir = tempDir('tmpfs');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { error: (r.stderr || r.error?.message || `mount exited ${r.status}`).trim().split('\n')[0] };
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a tmpfs can be mounted here (checked once; the reason goes into skipped tests' titles). */
export function tmpfsSupport(): { ok: true } | { ok: false; reason: string } {
  const probe = mountTmpfs('64k');
  if ('error' in probe) return { ok: false, reason: probe.error };
  probe.unmount();
  return { ok: true };
}

/** Runs `run` with stdout silenced (the trainer's epoch lines). */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true);
  try {
    return await run();
  } finally {
    process.stdout.write = write;
  }
}

/** The trainer in this process, stdout silenced: its exit status, or the one line and status its CLI would print. */
export async function trainInProcess(argv: string[]): Promise<{ code: number; line: string }> {
  try {
    return { code: await quietly(() => trainMain(argv)), line: '' };
  } catch (error) {
    return describeError(error);
  }
}

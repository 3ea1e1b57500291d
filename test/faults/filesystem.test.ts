/**
 * File-system faults: run folders that cannot be made (/proc, /sys, a file in the path, no
 * permission, a read-only disk), a disk that fills up mid-run (a 200 KiB tmpfs), debris of killed
 * writes, SIGKILL at random moments followed by --resume, and a process that exits mid-write.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../../src/cli/common.js';
import { atomicWriteFile, FileSystemError } from '../../src/train/atomic.js';
import { latestCheckpointDir, loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { checkpointEpoch, metricRows, mountTmpfs, REPO, spawnTrain, tempDebris, tempDir, TINY, tmpfsSupport, trainInProcess } from './helpers.js';

let root: string;
let reference: string[];
const SGD = [...TINY, '--optimizer', 'sgd', '--lr', '0.1', '--batch-size', '64'];

const run = trainInProcess;

beforeAll(async () => {
  root = tempDir('fs');
  const whole = join(root, 'reference');
  expect((await run([...SGD, '--epochs', '5', '--out', whole])).code).toBe(0);
  reference = metricRows(whole);
});

/** The first `epochs` rows of an uninterrupted run (a longer run is made when the 5-epoch reference is too short). */
async function referenceRows(epochs: number): Promise<string[]> {
  if (reference.length < epochs) {
    const whole = join(root, `reference-${epochs}`);
    expect((await run([...SGD, '--epochs', String(epochs), '--out', whole])).code).toBe(0);
    reference = metricRows(whole);
  }
  return reference.slice(0, epochs);
}

/** Why the trainer cannot run as nobody here (null when it can): not root, or a checkout nobody cannot read. */
function nobodyBlockedReason(): string | null {
  if (process.getuid?.() !== 0) return 'only root can start a process as nobody';
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(REPO, 'package.json'))}, require('fs').constants.R_OK)`], { uid: 65534, encoding: 'utf8' });
  return probe.status === 0 ? null : `user nobody cannot read this checkout (${REPO}); put it in a world-readable folder`;
}
const nobodyBlocked = nobodyBlockedReason();

describe('a run folder that cannot be made: one line naming the path, exit 2, nothing created, no hang', () => {
  it('--out /proc/x returns at once (Node 20’s recursive mkdir loops forever there)', async () => {
    const r = await spawnTrain(['--out', '/proc/handgrad-x/run', ...TINY], { timeoutMs: 30_000 });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['train: --out /proc/handgrad-x/run: /proc is on the proc pseudo file system, which cannot hold a run folder; choose a folder on a disk']);
  });

  it.each([
    ['/sys/handgrad-x', /^--out \/sys\/handgrad-x: \/sys is on the sysfs pseudo file system, which cannot hold a run folder; choose a folder on a disk$/],
    ['/dev/null/x', /^--out \/dev\/null\/x: \/dev\/null is a file, not a folder$/],
  ])('--out %s', async (out, pattern) => {
    const r = await run(['--out', out, ...TINY]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.line).toMatch(pattern);
  });

  it('--out through a file (afile/sub) names the file; nothing is created', async () => {
    const file = join(root, 'afile');
    writeFileSync(file, 'x');
    const r = await run(['--out', join(file, 'sub', 'run'), ...TINY]);
    expect(r).toEqual({ code: EXIT_USAGE, line: `--out ${join(file, 'sub', 'run')}: ${file} is a file, not a folder` });
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it.skipIf(nobodyBlocked !== null)(`a folder this user may not write to: permission denied, named (run as nobody)${nobodyBlocked === null ? '' : ` — SKIPPED: ${nobodyBlocked}`}`, async () => {
    const locked = join(root, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o755); // root's, so not writable by nobody
    chmodSync(root, 0o755);
    const r = await spawnTrain(['--out', join(locked, 'a', 'run'), ...TINY], { uid: 65534, env: { ...process.env, HOME: '/tmp' }, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`train: --out ${join(locked, 'a', 'run')}: cannot create folders in ${locked} (permission denied, EACCES)`]);
    expect(readdirSync(locked)).toEqual([]);
  });
});


const tmpfs = tmpfsSupport();
const skipTmpfs = tmpfs.ok ? '' : ` — SKIPPED: cannot mount a tmpfs here (${tmpfs.reason})`;

describe.skipIf(!tmpfs.ok)(`small and read-only disks (tmpfs)${skipTmpfs}`, () => {
  it('a read-only file system: --out and --resume refused before training, named, exit 2', async () => {
    const mnt = mountTmpfs('64k', true);
    if ('error' in mnt) throw new Error(mnt.error);
    try {
      const r = await run(['--out', join(mnt.dir, 'run'), ...TINY]);
      expect(r).toEqual({ code: EXIT_USAGE, line: `--out ${join(mnt.dir, 'run')}: cannot create folders in ${mnt.dir} (read-only file system, EROFS)` });
    } finally {
      mnt.unmount();
    }
    // A run folder that has become read-only.
    const rw = mountTmpfs('2m');
    if ('error' in rw) throw new Error(rw.error);
    try {
      cpSync(join(root, 'reference'), join(rw.dir, 'run'), { recursive: true });
      const config = readFileSync(join(rw.dir, 'run', 'config.json'), 'utf8');
      spawnSync('mount', ['-o', 'remount,ro', rw.dir]);
      const r = await run(['--resume', join(rw.dir, 'run'), '--epochs', '6']);
      expect(r).toEqual({ code: EXIT_USAGE, line: `--resume ${join(rw.dir, 'run')}: cannot write in ${join(rw.dir, 'run')} (read-only file system, EROFS)` });
      expect(readFileSync(join(rw.dir, 'run', 'config.json'), 'utf8')).toBe(config);
    } finally {
      rw.unmount();
    }
  });

  it('disk full mid-run (200 KiB): exit 1 naming the file, no temp left, the previous checkpoint intact and resumable', async () => {
    const mnt = mountTmpfs('200k');
    if ('error' in mnt) throw new Error(mnt.error);
    try {
      const out = join(mnt.dir, 'run');
      // sgd: ~100 KiB a checkpoint, so epoch 1's fits and epoch 2's (written before epoch 1's is removed) does not.
      const r = await spawnTrain([...SGD, '--epochs', '5', '--checkpoint-every', '0', '--no-progress', '--out', out]);
      expect(r.code).toBe(1);
      const last = r.stderr.trim().split('\n').at(-1);
      expect(last).toBe(
        `train: ${join(out, 'checkpoints', 'epoch-0002', 'weights.bin')}: cannot write (no space left on device, ENOSPC); stopped after epoch 2, the checkpoint of epoch 1 is on disk (continue with --resume ${out})`,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(tempDebris(out)).toEqual([]);
      expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['epoch-0001', 'latest.json']);
      // The temp folder's space was given back: the disk holds one checkpoint, not one and a half.
      const { bavail, blocks } = statfsSync(mnt.dir);
      expect(bavail / blocks).toBeGreaterThan(0.3);
      const state = loadCheckpoint(out, readRunFile(out).config);
      expect(state.epoch).toBe(1);
      disposeTrainState(state);
      expect(metricRows(out)).toEqual(reference.slice(0, 1));
      // Room again: --resume carries on to the uninterrupted run's numbers.
      spawnSync('mount', ['-o', 'remount,size=4m', mnt.dir]);
      expect((await run(['--resume', out, '--epochs', '3'])).code).toBe(0);
      expect(metricRows(out)).toEqual(reference.slice(0, 3));
      expect(tempDebris(out)).toEqual([]);
    } finally {
      mnt.unmount();
    }
  });

  it('disk already full: config.json cannot be written → exit 2, the folder it made is removed', async () => {
    const mnt = mountTmpfs('64k');
    if ('error' in mnt) throw new Error(mnt.error);
    try {
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt.dir, 'filler')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
      const out = join(mnt.dir, 'a', 'run');
      const r = await run(['--out', out, ...TINY]);
      expect(r).toEqual({ code: EXIT_USAGE, line: `${join(out, 'config.json')}: cannot write (no space left on device, ENOSPC)` });
      expect(readdirSync(mnt.dir)).toEqual(['filler']);
    } finally {
      mnt.unmount();
    }
  });

  it('atomicWriteFile on a full disk throws FileSystemError naming the target and leaves no temp file', () => {
    const mnt = mountTmpfs('16k');
    if ('error' in mnt) throw new Error(mnt.error);
    try {
      writeFileSync(join(mnt.dir, 'keep.txt'), 'previous');
      const target = join(mnt.dir, 'keep.txt');
      let error: unknown;
      try {
        atomicWriteFile(target, new Uint8Array(64 * 1024));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FileSystemError);
      expect((error as Error).message).toBe(`${target}: cannot write (no space left on device, ENOSPC)`);
      expect(readdirSync(mnt.dir)).toEqual(['keep.txt']);
      expect(readFileSync(target, 'utf8')).toBe('previous');
    } finally {
      mnt.unmount();
    }
  });
});

/** A pid that no longer runs (a finished child's). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('killed writes and hard kills', () => {
  it('--resume removes the debris of a process killed mid-write (temp files of a dead pid), and only that', async () => {
    const out = join(root, 'debris');
    cpSync(join(root, 'reference'), out, { recursive: true });
    expect((await run(['--resume', out, '--epochs', '4'])).code).toBe(EXIT_USAGE); // 5 epochs are done: refused
    const dead = deadPid();
    writeFileSync(join(out, `.tmp-metrics.csv-${dead}`), '');
    mkdirSync(join(out, 'checkpoints', `.tmp-epoch-0006-${dead}`));
    writeFileSync(join(out, 'checkpoints', `.tmp-epoch-0006-${dead}`, 'model.json'), '{"trunc');
    const live = `.tmp-metrics.csv-${process.pid}-other`;
    writeFileSync(join(out, live), 'not ours to remove');
    expect((await run(['--resume', out, '--epochs', '6'])).code).toBe(0);
    expect(tempDebris(out)).toEqual([join(out, live)]);
    expect(checkpointEpoch(out)).toBe(6);
  });

  it('SIGKILL at 3 seeded random moments, then --resume: the numbers of an uninterrupted run, no debris', async () => {
    const rng = seedrandom('handgrad-sigkill');
    for (let k = 0; k < 3; k++) {
      const out = join(root, `kill-${k}`);
      const delay = Math.floor(rng() * 1500);
      let armed = false;
      const r = await spawnTrain([...SGD, '--epochs', '40', '--checkpoint-every', '0', '--no-progress', '--out', out], {
        onOutput: (text, pid) => {
          if (!armed && /^epoch 1\/40/m.test(text)) {
            armed = true;
            setTimeout(() => process.kill(pid, 'SIGKILL'), delay);
          }
        },
      });
      expect(r.signal).toBe('SIGKILL');
      const saved = checkpointEpoch(out);
      expect(saved).toBeGreaterThanOrEqual(1);
      expect((await run(['--resume', out, '--epochs', String(saved + 1)])).code).toBe(0);
      expect(metricRows(out)).toEqual(await referenceRows(saved + 1));
      expect(tempDebris(out)).toEqual([]);
    }
  });

  it('a process that exits in the middle of a checkpoint write (a second Ctrl-C) leaves no temp folder and the previous checkpoint as the latest', () => {
    const out = join(root, 'exit-mid-write');
    cpSync(join(root, 'reference'), out, { recursive: true });
    const before = latestCheckpointDir(out);
    // writeCheckpoint makes its temp folder synchronously, then awaits the encoding; the exit lands there.
    const script = `
      import { readdirSync } from 'node:fs';
      import { join } from 'node:path';
      import { loadCheckpoint, writeCheckpoint } from './src/train/checkpoint.ts';
      import { snapshotTrainState } from './src/train/snapshot.ts';
      import { readRunFile } from './src/train/run_files.ts';
      const out = process.argv[1];
      const state = loadCheckpoint(out, readRunFile(out).config);
      void writeCheckpoint(out, { ...snapshotTrainState(state), epoch: 6 });
      process.stdout.write(readdirSync(join(out, 'checkpoints')).filter((e) => e.startsWith('.tmp-')).join());
      process.exit(130);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, out], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^\.tmp-epoch-0006-\d+$/); // the write was under way when the process exited
    expect(r.status).toBe(130);
    expect(tempDebris(out)).toEqual([]);
    expect(latestCheckpointDir(out)).toBe(before);
    expect(existsSync(join(out, 'checkpoints', 'epoch-0006'))).toBe(false);
  });
});

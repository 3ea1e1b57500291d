/**
 * Interruption as people do it: Ctrl-C in a real terminal (a pty, so SIGINT reaches the launcher and
 * the trainer alike) through `npm run train` and `npx handgrad train`, SIGTERM (docker stop,
 * systemd, CI) to the trainer or to npm alone, SIGHUP, a doubled Ctrl-C, and Ctrl-C in the first
 * epoch. Each must keep the last completed epoch and resume to the numbers of an uninterrupted run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainMain } from '../../src/cli/train.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { checkpointEpoch, epochLines, metricRows, ptyRun, spawnProcess, spawnTrain, tempDebris, tempDir, quietly } from './helpers.js';

/** Epochs of a fraction of a second on cpu; checkpoint writes only at the end or on a stop, so the stop path is what saves. */
const RUN = ['--train-size', '2000', '--valid-size', '500', '--test-size', '500', '--hidden', '32', '--batch-size', '64', '--backend', 'cpu', '--checkpoint-every', '3600'];
const AFTER_EPOCH_2 = /epoch 2\/40 +train loss/;

let root: string;
let reference: string[];

/** Silences the in-process trainer's stdout while it runs. */
beforeAll(async () => {
  root = tempDir('signals');
  const whole = join(root, 'reference');
  expect(await quietly(() => trainMain([...RUN, '--epochs', '6', '--json', '--out', whole]))).toBe(0);
  reference = metricRows(whole);
  expect(reference).toHaveLength(6);
});

/**
 * What every clean stop must leave: a verified checkpoint of the last reported epoch (≥ `atLeast`),
 * metrics.csv rows up to it, no temp debris; then --resume one epoch further reproduces the
 * uninterrupted run.
 */
async function expectStoppedCleanly(out: string, output: string, atLeast: number): Promise<number> {
  const reported = epochLines(output).length;
  const epoch = checkpointEpoch(out);
  expect(epoch).toBeGreaterThanOrEqual(atLeast);
  expect(epoch).toBe(reported);
  expect(tempDebris(out)).toEqual([]);
  const state = loadCheckpoint(out, readRunFile(out).config); // sizes and checksums verified
  expect(state.epoch).toBe(epoch);
  disposeTrainState(state);
  expect(metricRows(out)).toEqual(reference.slice(0, epoch));
  expect(await quietly(() => trainMain(['--resume', out, '--epochs', String(epoch + 1), '--json']))).toBe(0);
  expect(metricRows(out)).toEqual(reference.slice(0, epoch + 1));
  return epoch;
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('Ctrl-C in a real terminal (util-linux script as the pty)', () => {
  it.each([
    ['npm run -s train --', 2],
    ['npx --no-install --ignore-scripts handgrad train', 1],
    ['node bin/handgrad.mjs train', 1],
  ])('through `%s`: exit 130, one interrupt line, the last completed epoch saved and resumable (%i runs)', async (launcher, runs) => {
    for (let i = 0; i < runs; i++) {
      const out = join(root, `pty-${launcher.split(' ')[0]}-${i}`);
      const r = await ptyRun(`${launcher} ${RUN.join(' ')} --epochs 40 --out ${out}`, AFTER_EPOCH_2);
      expect(r.interruptedAfter).not.toBeNull();
      expect(r.code).toBe(130);
      // npm's relay or the bin's and the terminal's SIGINT are one Ctrl-C, not a second one that quits at once.
      expect(r.stdout.match(/interrupt: stopping/g)).toHaveLength(1);
      expect(r.stdout).not.toMatch(/quitting now/);
      expect(r.stdout).toContain(`interrupted; run folder: ${out}`);
      await expectStoppedCleanly(out, r.stdout, 2);
    }
  });
});

/** Starts a run and sends `signals` to it (`target`: the trainer, or the whole process group) after epoch 2 is reported. */
async function signalAfterEpoch2(out: string, signals: NodeJS.Signals[], gapMs = 0): Promise<{ code: number | null; output: string }> {
  let sent = false;
  const r = await spawnTrain([...RUN, '--epochs', '40', '--no-progress', '--out', out], {
    onOutput: (text, pid) => {
      if (sent || !AFTER_EPOCH_2.test(text)) return;
      sent = true;
      signals.forEach((signal, i) => setTimeout(() => process.kill(pid, signal), i * gapMs));
    },
  });
  return { code: r.code, output: r.stdout + r.stderr };
}

describe('SIGTERM, SIGHUP and doubled signals', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s stops like Ctrl-C: exit %i, the last completed epoch saved and resumable', async (signal, code) => {
    const out = join(root, `signal-${signal}`);
    const r = await signalAfterEpoch2(out, [signal]);
    expect(r.code).toBe(code);
    expect(r.output).toContain(`${signal}: stopping after this batch`);
    await expectStoppedCleanly(out, r.output, 2);
  });

  it('two SIGINTs 100 ms apart are one Ctrl-C (a launcher relaying the terminal’s): the run still saves', async () => {
    const out = join(root, 'double');
    const r = await signalAfterEpoch2(out, ['SIGINT', 'SIGINT'], 100);
    expect(r.code).toBe(130);
    expect(r.output.match(/interrupt: stopping/g)).toHaveLength(1);
    expect(r.output).not.toMatch(/quitting now/);
    await expectStoppedCleanly(out, r.output, 2);
  });

  it('SIGTERM to npm alone (docker stop, a CI runner) reaches the trainer, and npm waits for it to save', async () => {
    const out = join(root, 'npm-term');
    let sent = false;
    const r = await spawnProcess('npm', ['run', '-s', 'train', '--', ...RUN, '--epochs', '40', '--no-progress', '--out', out], {
      onOutput: (text, pid) => {
        if (!sent && AFTER_EPOCH_2.test(text)) {
          sent = true;
          process.kill(pid, 'SIGTERM');
        }
      },
    });
    expect(r.code).toBe(143);
    // npm exits only after the trainer: nothing of the trainer is still running or writing.
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    await expectStoppedCleanly(out, r.stdout + r.stderr, 2);
  });

  it('Ctrl-C during the first epoch says that nothing was checkpointed, and nothing is', async () => {
    const out = join(root, 'first-epoch');
    let sent = false;
    const r = await spawnTrain(['--train-size', '20000', '--valid-size', '500', '--test-size', '500', '--hidden', '32', '--batch-size', '16', '--backend', 'cpu', '--epochs', '5', '--no-progress', '--out', out], {
      onOutput: (text, pid) => {
        if (!sent && /training into/.test(text)) {
          sent = true;
          setTimeout(() => process.kill(pid, 'SIGINT'), 200);
        }
      },
    });
    expect(r.code).toBe(130);
    expect(epochLines(r.stdout)).toEqual([]);
    expect(r.stderr).toContain('interrupt: stopping; no epoch has completed yet, so nothing will be checkpointed');
    expect(r.stderr).toContain(`stopped before the first epoch completed: nothing was checkpointed (${out} holds config.json only); start again with --out ${out} --overwrite`);
    expect(r.stderr).not.toContain('the last completed epoch is checkpointed');
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
    expect(readdirSync(out)).toEqual(['config.json']);
  });
});

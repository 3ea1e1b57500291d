import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { trainMain } from '../../src/cli/train.js';
import { loadDataset } from '../../src/data/load.js';
import { predictProbs } from '../../src/model/mlp.js';
import { fileModelHandler, latestCheckpointDir, loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { trainUntilInterrupted } from './train_interrupt.js';

let root: string;
const SMALL = ['--train-size', '600', '--valid-size', '200', '--test-size', '200', '--hidden', '32', '--batch-size', '64', '--backend', 'cpu', '--json'];

/** metrics.csv without the wall-time columns. */
function metricsWithoutTimes(dir: string): string[] {
  return readFileSync(join(dir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, 7).join(','));
}

/** Epoch of checkpoints/latest.json (null: none yet) and metrics.csv data rows (null: no file), read as each --json epoch line is printed. */
type DiskAtEpoch = { epoch: number; checkpoint: number | null; csvRows: number | null };

/** Runs trainMain(argv) in-process; returns its exit code, stdout, and what was in the run folder `out` when each epoch was reported. */
async function trainWatchingDisk(argv: string[], out: string): Promise<{ code: number; stdout: string; disk: DiskAtEpoch[] }> {
  const written: string[] = [];
  const disk: DiskAtEpoch[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    written.push(text);
    if (text.startsWith('{"epoch"')) {
      const { epoch } = JSON.parse(text) as { epoch: number };
      const latest = latestCheckpointDir(out);
      const csv = join(out, 'metrics.csv');
      disk.push({
        epoch,
        checkpoint: latest === null ? null : Number(/epoch-(\d+)$/.exec(latest)?.[1]),
        csvRows: existsSync(csv) ? readFileSync(csv, 'utf8').trim().split('\n').length - 1 : null,
      });
    }
    return true;
  });
  try {
    const code = await trainMain(argv);
    return { code, stdout: written.join(''), disk };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'handgrad-resume-'));
});

describe('train CLI end to end (MNIST subset, cpu)', () => {
  it('resume from a checkpoint gives exactly the numbers of an uninterrupted run (momentum and adam)', async () => {
    for (const optimizer of ['momentum', 'adam']) {
      const whole = join(root, `whole-${optimizer}`);
      const split = join(root, `split-${optimizer}`);
      // --checkpoint-every 0: the checkpoint and metrics.csv of each epoch are on disk when it is reported.
      const wholeRun = await trainWatchingDisk([...SMALL, '--optimizer', optimizer, '--epochs', '4', '--checkpoint-every', '0', '--out', whole], whole);
      expect(wholeRun.code).toBe(0);
      expect(wholeRun.disk).toEqual([1, 2, 3, 4].map((epoch) => ({ epoch, checkpoint: epoch, csvRows: epoch })));
      // --json: one JSON object per epoch on stdout, then the summary.
      const lines = wholeRun.stdout.trim().split('\n').map((l) => JSON.parse(l) as { epoch?: number; validAcc?: number; summary?: { epochs: number } });
      expect(lines.map((l) => l.epoch ?? 'summary')).toEqual([1, 2, 3, 4, 'summary']);
      expect(lines[4].summary?.epochs).toBe(4);
      // A budget longer than the run: nothing is written during it, only the last epoch at its end.
      const splitRun = await trainWatchingDisk([...SMALL, '--optimizer', optimizer, '--epochs', '2', '--checkpoint-every', '3600', '--out', split], split);
      expect(splitRun.code).toBe(0);
      expect(splitRun.disk).toEqual([1, 2].map((epoch) => ({ epoch, checkpoint: null, csvRows: null })));
      expect(readdirSync(join(split, 'checkpoints')).sort()).toEqual(['epoch-0002', 'latest.json']);
      expect(metricsWithoutTimes(split)).toHaveLength(3);
      const resumed = await trainWatchingDisk(['--resume', split, '--epochs', '4', '--json', '--checkpoint-every', '3600'], split);
      expect(resumed.code).toBe(0);
      expect(resumed.disk).toEqual([3, 4].map((epoch) => ({ epoch, checkpoint: 2, csvRows: 2 })));
      expect(latestCheckpointDir(split)).toBe(join(split, 'checkpoints', 'epoch-0004'));
      const a = metricsWithoutTimes(whole);
      expect(a).toHaveLength(5);
      expect(metricsWithoutTimes(split)).toEqual(a);
      expect(readRunFile(split).config.epochs).toBe(4);
      // Training did something: valid accuracy after 4 epochs of 600 samples is well above chance.
      expect(Number(a[4].split(',')[4])).toBeGreaterThan(0.6);
    }
  });

  it('writes config.json, metrics.csv, summary.json, the plot (SVG + Vega-Lite spec) and one checkpoint', () => {
    const dir = join(root, 'whole-adam');
    for (const f of ['config.json', 'metrics.csv', 'summary.json', 'learning-curve.svg', 'learning-curve.vl.json']) expect(existsSync(join(dir, f))).toBe(true);
    const svg = readFileSync(join(dir, 'learning-curve.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('accuracy');
    const spec = JSON.parse(readFileSync(join(dir, 'learning-curve.vl.json'), 'utf8')) as { data: { values: { split: string }[] } };
    expect(spec.data.values).toHaveLength(4 * 6);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { bestValidEpoch: number; backend: string; epochs: number };
    expect(summary.backend).toBe('cpu');
    expect(summary.epochs).toBe(4);
    expect(latestCheckpointDir(dir)).toBe(join(dir, 'checkpoints', 'epoch-0004'));
  });

  it('the checkpoint loads with tf.loadLayersModel as dense(relu)–dense(softmax) and predicts what our model predicts', async () => {
    const dir = join(root, 'whole-adam');
    const model = await tf.loadLayersModel(fileModelHandler(latestCheckpointDir(dir) as string));
    expect(model.layers.map((l) => (l.getConfig() as { activation: string }).activation)).toEqual(['relu', 'softmax']);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense']);
    const run = readRunFile(dir);
    const state = loadCheckpoint(dir, run.config);
    const data = loadDataset('mnist', { testSize: 200 });
    const x = tf.tensor2d(data.test.x, [200, 784]);
    const theirs = model.predict(x) as tf.Tensor2D;
    const ours = predictProbs(state.params, x);
    const theirClasses = Array.from(theirs.argMax(1).dataSync());
    expect(theirClasses).toEqual(Array.from(ours.argMax(1).dataSync()));
    const diff = tf.max(tf.abs(tf.sub(theirs, ours))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    // and those predictions are good ones: the run's own test accuracy.
    const acc = theirClasses.filter((c, i) => c === data.test.labels[i]).length / 200;
    expect(acc).toBe(state.history[3].testAcc);
    tf.dispose([x, theirs, ours]);
    model.dispose();
    disposeTrainState(state);
  });

  it('Ctrl-C (SIGINT) stops cleanly: exit 130, last completed epoch checkpointed although no periodic write was due, and --resume continues exactly', async () => {
    const out = join(root, 'interrupted');
    const { code, stdout, stderr } = await trainUntilInterrupted([...SMALL, '--epochs', '1000', '--checkpoint-every', '3600', '--out', out], (text) => text.split('\n').length > 3);
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted; run folder');
    const reported = stdout.split('\n').filter((l) => l.startsWith('{"epoch"')).length;
    const rows = metricsWithoutTimes(out).length - 1;
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(rows).toBe(reported);
    expect(latestCheckpointDir(out)).toBe(join(out, 'checkpoints', `epoch-${String(rows).padStart(4, '0')}`));
    expect(await trainMain(['--resume', out, '--epochs', String(rows + 1), '--json'])).toBe(0);
    const after = metricsWithoutTimes(out);
    expect(after).toHaveLength(rows + 2);
    // Same numbers as the uninterrupted adam run of the first test, as far as both go (≥ 3 epochs).
    const reference = metricsWithoutTimes(join(root, 'whole-adam'));
    const n = Math.min(after.length, reference.length);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(after.slice(0, n)).toEqual(reference.slice(0, n));
  });
});

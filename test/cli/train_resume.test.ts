import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'handgrad-resume-'));
});

describe('train CLI end to end (MNIST subset, cpu)', () => {
  it('resume from a checkpoint gives exactly the numbers of an uninterrupted run (momentum and adam)', async () => {
    for (const optimizer of ['momentum', 'adam']) {
      const whole = join(root, `whole-${optimizer}`);
      const split = join(root, `split-${optimizer}`);
      const written: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        expect(await trainMain([...SMALL, '--optimizer', optimizer, '--epochs', '4', '--out', whole])).toBe(0);
      } finally {
        spy.mockRestore();
      }
      // --json: one JSON object per epoch on stdout, then the summary.
      const lines = written.join('').trim().split('\n').map((l) => JSON.parse(l) as { epoch?: number; validAcc?: number; summary?: { epochs: number } });
      expect(lines.map((l) => l.epoch ?? 'summary')).toEqual([1, 2, 3, 4, 'summary']);
      expect(lines[4].summary?.epochs).toBe(4);
      expect(await trainMain([...SMALL, '--optimizer', optimizer, '--epochs', '2', '--out', split])).toBe(0);
      expect(metricsWithoutTimes(split)).toHaveLength(3);
      expect(await trainMain(['--resume', split, '--epochs', '4', '--json'])).toBe(0);
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

  it('Ctrl-C (SIGINT) stops cleanly: exit 130, last completed epoch checkpointed, and --resume continues', async () => {
    const out = join(root, 'interrupted');
    const { code, stderr } = await trainUntilInterrupted([...SMALL, '--epochs', '1000', '--out', out], (stdout) => stdout.split('\n').length > 3);
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted; run folder');
    const rows = metricsWithoutTimes(out).length - 1;
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(latestCheckpointDir(out)).toBe(join(out, 'checkpoints', `epoch-${String(rows).padStart(4, '0')}`));
    expect(await trainMain(['--resume', out, '--epochs', String(rows + 1), '--json'])).toBe(0);
    expect(metricsWithoutTimes(out)).toHaveLength(rows + 2);
  });
});

/**
 * The homework setting's interleaved run (handgrad's trainEpochs vs numpy's homework loop) on tiny shapes:
 * the alternation of chunks, the totals and ratios, the loss agreement, no tensor growth.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runHomework } from '../../bench/homework.js';
import { startNumpy } from '../../bench/numpy.js';
import { formatHomework, type HomeworkSide } from '../../bench/report.js';
import { makeHomeworkDataset, type HomeworkShape } from '../../bench/workload.js';
import { NATIVE_MISSING, SKIP_REASON } from '../native/helpers.js';
import { NUMPY_MISSING, NUMPY_SKIP } from './helpers.js';

const HOMEWORK_MISSING = NATIVE_MISSING || NUMPY_MISSING;
const HOMEWORK_SKIP = NATIVE_MISSING ? SKIP_REASON : NUMPY_SKIP;
if (HOMEWORK_MISSING) console.warn(`[bench homework test] skipped:${HOMEWORK_SKIP}`);

describe.skipIf(HOMEWORK_MISSING)(`homework setting, handgrad vs numpy interleaved${HOMEWORK_SKIP}`, () => {
  const shape: HomeworkShape = { train: 300, valid: 120, test: 80, layers: [20, 32, 4], lr: 0.1, momentum: 0.9 };

  it('makeHomeworkDataset: the split sizes, pixels in [0, 1), every class used', () => {
    const data = makeHomeworkDataset(shape, 3);
    expect([data.train.n, data.valid.n, data.test.n]).toEqual([300, 120, 80]);
    expect(data.train.x.length).toBe(300 * 20);
    expect(data.features).toBe(20);
    expect(data.classes).toBe(4);
    const all = [data.train, data.valid, data.test];
    expect(all.every((s) => s.x.every((v) => v >= 0 && v < 1))).toBe(true);
    expect(new Set(all.flatMap((s) => Array.from(s.labels))).size).toBe(4);
  });

  it('rejects a data set of other sizes than the shape in one line', async () => {
    const dataset = makeHomeworkDataset({ ...shape, test: 81 }, 3);
    await expect(runHomework({ backend: 'native', shape, dataset, epochs: 1, chunkEpochs: 1, seed: 1 }, null, () => {})).rejects.toThrow(
      'homework setting: data set synthetic (teacher-labelled) has 300/120/81 rows of 20 features, 4 classes; expected 300/120/80 of 20, 4',
    );
  });

  it('both sides run the same epochs in alternating chunks; the ratio, totals and losses add up; no tensor growth', async () => {
    const started = await startNumpy();
    if (!started.ok) throw new Error(started.reason);
    const order: string[] = [];
    const baseline = started.baseline;
    const numpy = { ...baseline, homeworkEpochs: async (count: number) => (order.push(`numpy ${count}`), baseline.homeworkEpochs(count)) };
    const tensorsAtStart = tf.memory().numTensors;
    const run = await runHomework({ backend: 'native', shape, epochs: 7, chunkEpochs: 3, seed: 1 }, numpy, (line) => order.push(line.trim().split(':')[0]));
    baseline.close();
    expect(tf.memory().numTensors).toBe(tensorsAtStart);

    expect(order).toEqual(['numpy 3', 'homework epochs 1–3/7', 'numpy 3', 'homework epochs 4–6/7', 'numpy 1', 'homework epochs 7–7/7']);
    expect(run.backend).toBe('native');
    expect(run.numpy).not.toBeNull();
    const sides: HomeworkSide[] = [run.handgrad, run.numpy as HomeworkSide];
    for (const side of sides) {
      expect(side.epochs).toBe(7);
      expect(side.trainLosses).toHaveLength(7);
      expect(side.chunkSeconds).toHaveLength(3);
      expect(side.seconds).toBeCloseTo(side.chunkSeconds.reduce((a, b) => a + b, 0), 9);
      expect(side.trainSeconds + side.evalSeconds).toBeLessThanOrEqual(side.seconds * 1.001 + 1e-6);
      expect(side.evalSeconds).toBeGreaterThan(0);
      expect(side.trainLosses.every(Number.isFinite)).toBe(true);
      // Xavier init, 4 balanced classes: the first loss is near ln 4; momentum steps lower it.
      expect(Math.abs(side.first.trainLoss - Math.log(4))).toBeLessThan(0.3);
      expect(side.last.trainLoss).toBeLessThan(side.first.trainLoss);
      expect(side.first.trainLoss).toBe(side.trainLosses[0]);
      for (const m of [side.first, side.last]) {
        for (const acc of [m.trainAcc, m.validAcc, m.testAcc]) expect(acc >= 0 && acc <= 1).toBe(true);
        expect([m.validLoss, m.testLoss].every(Number.isFinite)).toBe(true);
      }
    }
    const numpySide = run.numpy as HomeworkSide;
    // numpy got handgrad's data and initial parameters: the same run, to fp32 rounding.
    for (let e = 0; e < 7; e++) expect(Math.abs(numpySide.trainLosses[e] - run.handgrad.trainLosses[e])).toBeLessThan(1e-4);
    expect(numpySide.last.validLoss).toBeCloseTo(run.handgrad.last.validLoss, 4);
    expect(Math.abs(numpySide.last.testAcc - run.handgrad.last.testAcc)).toBeLessThanOrEqual(1 / 80 + 1e-9); // one borderline row may flip
    expect(run.maxTrainLossDiff).toBe(Math.max(...numpySide.trainLosses.map((l, e) => Math.abs(l - run.handgrad.trainLosses[e]))));
    expect(run.ratio).toBeCloseTo(run.handgrad.seconds / numpySide.seconds, 12);
    expect(run.evalRatio).toBeCloseTo(run.handgrad.evalSeconds / numpySide.evalSeconds, 12);
    expect(run.chunkRatios?.min).toBeLessThanOrEqual(run.chunkRatios?.median ?? NaN);
    expect(run.chunkRatios?.median).toBeLessThanOrEqual(run.chunkRatios?.max ?? NaN);
    expect(run.projectedTrainSeconds).toBeCloseTo(run.uploadSeconds + (run.handgrad.seconds * 200) / 7, 9);
    expect(run.tensors.maxChunkGrowth).toBe(0);
    expect(run.tensors.after).toBe(run.tensors.before);

    const text = formatHomework(run).join('\n');
    expect(text).toMatch(new RegExp(`handgrad\\s+7\\s+${run.handgrad.seconds.toFixed(1)}\\s.*${(run.ratio ?? NaN).toFixed(2)}×`));
    expect(text).toMatch(/numpy\s+7\s.*1\.00×/);
  });
});

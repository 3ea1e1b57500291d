import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualSoftmaxCrossEntropyGrad } from '../../custom-ops/index.js';
import { FD_VS_ANALYTIC, runT4, t4Problem } from '../../src/examples/t4_softmax_ce_gradient.js';
import { withBrokenCpuKernel } from '../custom-ops/broken_kernel.js';
import { useCpuWithCustomOps } from './setup.js';

beforeAll(useCpuWithCustomOps);

type Matrix = number[][];

/** (softmax(z) − y)/N written out independently of the code under test. */
function pMinusYOverN(labels: Matrix, logits: Matrix): Matrix {
  return logits.map((row, i) => {
    const exps = row.map(Math.exp);
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e, k) => (e / sum - labels[i][k]) / logits.length);
  });
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i][k]))));
}

describe('hw4 T4: ∂L/∂z = (p − y)/N', () => {
  it.each([
    [8, 5, 421],
    [3, 4, 7],
  ])('registered gradient, tf.losses autodiff and float64 central differences agree on %i×%i (seed %i)', (rows, classes, seed) => {
    const before = tf.memory().numTensors;
    const task = runT4(rows, classes, seed);
    expect(tf.memory().numTensors).toBe(before);
    const problem = t4Problem(rows, classes, seed);
    const truth = pMinusYOverN(problem.labels, problem.logits);
    const grad = task.rows[1];
    expect(grad.quantity).toBe(`∂L/∂z (${rows}×${classes}) = (p − y)/N`);
    const columns = [grad.expected, grad.manual, grad.autodiff['tf.losses.softmaxCrossEntropy'], grad.finiteDifference] as Matrix[];
    for (const m of columns) {
      expect(m).toHaveLength(rows);
      expect(maxAbsDiff(m, truth)).toBeLessThan(1e-7);
      // Each row of p − y sums to 0.
      for (const row of m) expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-7);
    }
    expect(grad.errors.manual).toBeLessThan(1e-5);
    expect(grad.errors['autodiff tf.losses.softmaxCrossEntropy']).toBeLessThan(1e-5);
    expect(grad.errors.finiteDifference).toBeLessThan(FD_VS_ANALYTIC);
    expect(task.rows.every((r) => r.match)).toBe(true);
  });

  it('the labels are one-hot and the logits are float32 values', () => {
    const { labels, logits, classes } = t4Problem(8, 5, 421);
    labels.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
      expect(row[classes[i]]).toBe(1);
    });
    for (const v of logits.flat()) expect(Math.fround(v)).toBe(v);
  });
});

describe('hw4 T4 with a broken gradient kernel', () => {
  it('reports a mismatch when the registered gradient drops the 1/N', () => {
    withBrokenCpuKernel(ManualSoftmaxCrossEntropyGrad, (out) => out.forEach((v, i) => (out[i] = v * 8)), () => {
      const [loss, grad] = runT4(8, 5, 421).rows;
      expect(loss.match).toBe(true);
      expect(grad.match).toBe(false);
      expect(grad.errors.manual).toBeCloseTo(7 / 8, 6); // |8g − g| / |8g|
      expect(grad.errors['autodiff tf.losses.softmaxCrossEntropy']).toBeLessThan(1e-5);
    });
  });
});

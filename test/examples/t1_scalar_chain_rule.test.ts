import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualRelu } from '../../custom-ops/index.js';
import { runT1, t1Autodiff, t1Manual, T1_INPUTS } from '../../src/examples/t1_scalar_chain_rule.js';
import { useCpuWithCustomOps } from './setup.js';

beforeAll(useCpuWithCustomOps);

describe('hw4 T1: scalar network with a skip connection', () => {
  it("the written-out chain rule gives the homework's (0.62, −0.2, 0.4, −0.2, 1)", () => {
    const m = t1Manual(T1_INPUTS);
    expect(m.z).toBeCloseTo(0.62, 12);
    expect(m.dz_dw0).toBeCloseTo(-0.2, 12);
    expect(m.dz_dw1).toBeCloseTo(0.4, 12);
    expect(m.dz_db0).toBeCloseTo(-0.2, 12);
    expect(m.dz_db1).toBe(1);
  });

  it('tf.grads through the ManualRelu kernel and through tf.relu give the same numbers in fp32', () => {
    for (const reluFn of [(x: tf.Tensor) => manualRelu(x), (x: tf.Tensor) => tf.relu(x)]) {
      const a = t1Autodiff(T1_INPUTS, reluFn);
      expect(a.z).toBeCloseTo(0.62, 6);
      expect(a.dz_dw0).toBeCloseTo(-0.2, 6);
      expect(a.dz_dw1).toBeCloseTo(0.4, 6);
      expect(a.dz_db0).toBeCloseTo(-0.2, 6);
      expect(a.dz_db1).toBeCloseTo(1, 6);
    }
  });

  it('every row of the task matches, with both autodiff routes, and no tensor is left behind', () => {
    const before = tf.memory().numTensors;
    const task = runT1();
    expect(tf.memory().numTensors).toBe(before);
    expect(task.rows.map((r) => r.quantity)).toEqual(['z', 'dz/dw0', 'dz/dw1', 'dz/db0', 'dz/db1']);
    for (const row of task.rows) {
      expect(Object.keys(row.autodiff)).toEqual(['ManualRelu', 'tf.relu']);
      expect(row.match).toBe(true);
      expect(row.maxError).toBeLessThan(1e-6);
    }
  });

  it('a dead output relu (y1 + x0 < 0) zeroes every gradient on all three routes', () => {
    const inputs = { ...T1_INPUTS, b1: -3 }; // y1 + x0 = −0.08 − 3 + 1 < 0
    const expected = { z: 0, dz_dw0: 0, dz_dw1: 0, dz_db0: 0, dz_db1: 0 };
    // + 0 turns −0 (e.g. 0·w1 with w1 < 0) into 0.
    const zeroed = (v: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x + 0]));
    expect(zeroed(t1Manual(inputs))).toEqual(expected);
    expect(zeroed(t1Autodiff(inputs, (x) => manualRelu(x)))).toEqual(expected);
    expect(zeroed(t1Autodiff(inputs, (x) => tf.relu(x)))).toEqual(expected);
  });

  it('other inputs than the homework\'s are reported as mismatches', () => {
    const task = runT1({ ...T1_INPUTS, w1: 0.5 });
    const byQuantity = Object.fromEntries(task.rows.map((r) => [r.quantity, r.match]));
    // z = relu(0.4·0.5 − 0.3 + 1) = 0.9, dz/dw0 = 0.5, dz/db0 = 0.5; dz/dw1 = 0.4 and dz/db1 = 1 are unchanged.
    expect(byQuantity).toEqual({ z: false, 'dz/dw0': false, 'dz/dw1': true, 'dz/db0': false, 'dz/db1': true });
    expect(task.rows[0].manual).toBeCloseTo(0.9, 12);
  });
});

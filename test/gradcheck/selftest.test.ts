/**
 * The checker's bar, on the planted-bug suite, without a float64 reference: no false alarm on the
 * correct functions over 20 seeds, ≥ 95 % of the planted bugs caught — the 0.1 % ones included —
 * and the same verdicts from fast and per-coordinate mode.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLANTED_FUNCTIONS, runSelftest } from '../../gradcheck/index.js';

describe('planted-bug self-test (fp32, no reference)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it(`has no false alarm on ${PLANTED_FUNCTIONS.length} correct functions over 20 seeds (fast mode)`, () => {
    const report = runSelftest({ seeds: 20, compareSeeds: 0, planted: false });
    const fast = report.modes[0];
    expect(fast.correctChecks).toBe(20 * PLANTED_FUNCTIONS.length);
    expect(fast.falseAlarms).toEqual([]);
    expect(fast.worstCorrectRatio).toBeLessThan(0.5);
  });

  it('catches ≥ 95 % of planted bugs, and ≥ 95 % of the 0.1 % ones, over 3 seeds; fast and per-coordinate agree', () => {
    const before = tf.memory().numTensors;
    const report = runSelftest({ seeds: 3, compareSeeds: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const [fast, perCoordinate] = report.modes;
    expect(fast.planted.planted).toBeGreaterThan(400);
    expect(fast.planted.caught / fast.planted.planted).toBeGreaterThanOrEqual(0.95);
    expect(fast.smallest.planted).toBe(2 * 3 * PLANTED_FUNCTIONS.length);
    expect(fast.smallest.caught / fast.smallest.planted).toBeGreaterThanOrEqual(0.95);
    for (const kind of ['scale 0.1%', 'coordinate 0.1%', 'sign flip', 'zeroed', 'transposed', 'function-specific slip']) {
      expect(fast.byKind[kind].caught / fast.byKind[kind].planted, kind).toBeGreaterThanOrEqual(0.95);
    }
    expect(fast.falseAlarms).toEqual([]);
    expect(perCoordinate.mode).toBe('per-coordinate');
    expect(perCoordinate.falseAlarms).toEqual([]);
    expect(report.agreement.compared).toBe(perCoordinate.correctChecks + perCoordinate.planted.planted);
    expect(report.agreement.differing).toEqual([]);
  });
});

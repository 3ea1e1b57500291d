/** The page's pure parts in Node: reading its forms, judging a run, ordering the check table. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS, type CheckRow } from '../../src/checks/checks.js';
import type { EpochMetrics } from '../../src/train/loop.js';
import { FieldError, readCheckOptions, readTrainConfig, type TrainFields } from '../../web/form.js';
import { assessRun, formatDuration, remainingSeconds } from '../../web/run_status.js';
import { badness, worstFirst } from '../../web/views.js';

const DATA = { features: 784, classes: 10 };
const GOOD: TrainFields = { layers: '784, 64,10', epochs: '5', grad: 'manual', optimizer: 'adam', lr: '0.01', batch: '0', seed: '7' };

function fieldError(read: () => unknown): { field: string; message: string } {
  try {
    read();
  } catch (error) {
    if (error instanceof FieldError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a FieldError');
}

describe('web/form.ts', () => {
  it('reads the training form into a TrainConfig', () => {
    expect(readTrainConfig(GOOD, DATA)).toEqual({
      layers: [784, 64, 10],
      seed: 7,
      grad: 'manual',
      optimizer: { kind: 'adam', lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      batchSize: 0,
      epochs: 5,
    });
  });

  it.each([
    ['layers', '784,x,10', 'layer sizes: "x" is not a positive integer; expected comma-separated sizes like 784,64,10, got "784,x,10"'],
    ['layers', '784', 'layer sizes: need at least an input and an output size; expected comma-separated sizes like 784,64,10, got "784"'],
    ['layers', '784,,10', 'layer sizes: "" is not a positive integer; expected comma-separated sizes like 784,64,10, got "784,,10"'],
    ['layers', '100,10', 'layer sizes: must start with 784 (pixels) and end with 10 (classes), got 100,10'],
    ['lr', '-1', 'learning rate: must be a positive number, got "-1"'],
    ['lr', '', 'learning rate: must be a positive number, got ""'],
    ['epochs', '1.5', 'epochs: must be an integer ≥ 1, got "1.5"'],
    ['batch', '', 'batch size: must be an integer ≥ 0, got ""'],
    ['seed', '-2', 'seed: must be an integer ≥ 0, got "-2"'],
    ['grad', 'numeric', 'gradients: "numeric" is not one of manual, autodiff'],
  ] as const)('training field %s = "%s" → a FieldError naming it', (field, value, message) => {
    expect(fieldError(() => readTrainConfig({ ...GOOD, [field]: value }, DATA))).toEqual({ field, message });
  });

  it('reads the check form over the checker defaults, with any sizes (its data is random)', () => {
    expect(readCheckOptions({ 'compare-layers': '20,8,3', 'compare-batch': '5', 'compare-seed': '1' }, DEFAULT_CHECK_OPTIONS)).toEqual({ ...DEFAULT_CHECK_OPTIONS, layers: [20, 8, 3], batch: 5, seed: 1 });
  });

  it.each([
    ['compare-batch', { 'compare-layers': '784,16,10', 'compare-batch': '0', 'compare-seed': '0' }, 'check batch: must be an integer ≥ 1, got "0"'],
    ['compare-layers', { 'compare-layers': '784,x,10', 'compare-batch': '8', 'compare-seed': '0' }, 'check layers: "x" is not a positive integer; expected comma-separated sizes like 784,64,10, got "784,x,10"'],
    ['compare-layers', { 'compare-layers': '784,16,1', 'compare-batch': '8', 'compare-seed': '0' }, 'check layers: softmax needs at least 2 output classes, got 784,16,1'],
    ['compare-seed', { 'compare-layers': '784,16,10', 'compare-batch': '8', 'compare-seed': 'x' }, 'check seed: must be an integer ≥ 0, got "x"'],
  ] as const)('check field %s → a FieldError naming it by its label', (field, fields, message) => {
    expect(fieldError(() => readCheckOptions(fields, DEFAULT_CHECK_OPTIONS))).toEqual({ field, message });
  });
});

function epoch(n: number, trainLoss: number, testAcc: number): EpochMetrics {
  return { epoch: n, trainLoss, trainAcc: testAcc, validLoss: trainLoss, validAcc: testAcc, testLoss: trainLoss, testAcc, seconds: 1, evalSeconds: 0.1 };
}

describe('web/run_status.ts', () => {
  it('a healthy run is done, without a warning', () => {
    expect(assessRun([epoch(1, 0.6, 0.8), epoch(2, 0.4, 0.86)], 10, null)).toEqual({ state: 'done', warning: null });
  });

  it('lr 50 (loss ~17, 8 % accuracy) has diverged, and says why in units', () => {
    const verdict = assessRun([epoch(1, 17.3, 0.08)], 10, null);
    expect(verdict.state).toBe('diverged');
    expect(verdict.warning).toBe(
      'Diverged: train loss 17.30 is far above ln 10 = 2.30, the loss of guessing every class equally (test accuracy 8.0 %); the learning rate is too large for this network: try one 10× smaller.',
    );
  });

  it('a NaN loss has diverged; chance-level accuracy and a doubling loss are warnings', () => {
    expect(assessRun([], 10, 'the batch loss became NaN at step 3').warning).toMatch(/^Diverged: the batch loss became NaN at step 3; /);
    expect(assessRun([epoch(1, 2.3, 0.11)], 10, null)).toEqual({ state: 'warning', warning: 'Not learning: test accuracy 11.0 % is near chance (10.0 %); try a larger learning rate or more epochs.' });
    expect(assessRun([epoch(1, 0.5, 0.8), epoch(2, 1.2, 0.7)], 10, null).state).toBe('warning');
  });

  it('times: remaining from the pace so far; durations in s or min', () => {
    expect(remainingSeconds(10, 25, 100)).toBe(30);
    expect(remainingSeconds(10, 0, 100)).toBeNaN();
    expect([formatDuration(0.84), formatDuration(42.4), formatDuration(185)]).toEqual(['0.8 s', '42 s', '3 min 05 s']);
  });
});

describe('web/views.ts check table order', () => {
  const row = (name: string, err: number, tol: number, pass = err <= tol): CheckRow => ({ name, kind: 'k', maxAbsErr: err, maxRelErr: err, tol, pass, checked: 1, total: 1 });
  it('failing rows first, then by error ÷ tolerance; a non-zero leak (tol 0) is infinitely bad', () => {
    const rows = [row('a', 1e-6, 1e-5), row('b', 2e-5, 1e-5), row('c', 9e-5, 1e-4), row('leak', 0, 0), row('d', 5e-6, 1e-5), row('leak2', 1, 0)];
    expect(worstFirst(rows).map((r) => r.name)).toEqual(['leak2', 'b', 'c', 'd', 'a', 'leak']);
    expect(badness(row('x', 5e-6, 1e-5))).toBeCloseTo(0.5, 12);
  });
});

import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../../src/train/loop.js';
import { metricsCsv, summarize } from '../../src/train/run_files.js';

const epoch = (n: number, validAcc: number, seconds: number): EpochMetrics => ({
  epoch: n,
  trainLoss: 1 / n,
  trainAcc: 0.5,
  validLoss: 1,
  validAcc,
  testLoss: 1,
  testAcc: validAcc - 0.01,
  seconds,
  evalSeconds: 0.5,
});

describe('run summary', () => {
  const history = [epoch(1, 0.8, 10), epoch(2, 0.9, 10), epoch(3, 0.85, 2), epoch(4, 0.88, 4)];

  it('names the best valid epoch, its test accuracy and the final test accuracy', () => {
    expect(summarize(history, 'cpu', false)).toMatchObject({ epochs: 4, bestValidAcc: 0.9, bestValidEpoch: 2, testAccAtBestValid: 0.89, finalTestAcc: 0.87, meanEpochSeconds: 6.5 });
    expect(summarize([], 'cpu', false)).toBeNull();
  });

  it('after --resume, times only the epochs of this session (the earlier ones may have run on another backend)', () => {
    expect(summarize(history, 'webgl', false, 2)?.meanEpochSeconds).toBe(3);
    expect(summarize(history, 'webgl', true, 4)?.meanEpochSeconds).toBe(6.5); // stopped before a new epoch: all of them
  });

  it('metrics.csv has a header and one row per epoch', () => {
    const lines = metricsCsv(history).trim().split('\n');
    expect(lines[0]).toBe('epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,seconds,eval_seconds');
    expect(lines[2]).toBe('2,0.5,0.5,1,0.9,1,0.89,10.000,0.500');
  });
});

/**
 * `npm run train -- --backend native` takes the fused step (src/train/fused.ts): its checkpoints hold
 * the parameters and slots, and --resume continues with exactly the numbers of an uninterrupted run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trainMain } from '../../src/cli/train.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { snapshotTrainState } from '../../src/train/snapshot.js';
import { NATIVE_MISSING, SKIP_REASON } from '../native/helpers.js';

const SMALL = ['--train-size', '600', '--valid-size', '200', '--test-size', '200', '--hidden', '32', '--batch-size', '64', '--backend', 'native', '--json'];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'handgrad-resume-native-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => vi.restoreAllMocks());

/** metrics.csv without the wall-time columns. */
function metricsWithoutTimes(dir: string): string[] {
  return readFileSync(join(dir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, 7).join(','));
}

describe.skipIf(NATIVE_MISSING)(`train CLI on native (fused step), resumed${SKIP_REASON}`, () => {
  it.each(['adam'])('%s: 2 epochs + --resume to 4 equals 4 epochs straight (metrics, parameters and slots)', async (optimizer) => {
    const whole = join(root, `whole-${optimizer}`);
    const split = join(root, `split-${optimizer}`);
    expect(await trainMain([...SMALL, '--optimizer', optimizer, '--epochs', '4', '--out', whole])).toBe(0);
    expect(await trainMain([...SMALL, '--optimizer', optimizer, '--epochs', '2', '--out', split])).toBe(0);
    expect(await trainMain(['--resume', split, '--epochs', '4', '--json'])).toBe(0);
    expect(metricsWithoutTimes(split)).toEqual(metricsWithoutTimes(whole));
    const a = loadCheckpoint(whole, readRunFile(whole).config);
    const b = loadCheckpoint(split, readRunFile(split).config);
    const [sa, sb] = [snapshotTrainState(a), snapshotTrainState(b)];
    expect(sb.optimizer.step).toBe(sa.optimizer.step);
    expect(sb.weights).toEqual(sa.weights);
    expect(sb.biases).toEqual(sa.biases);
    expect(sb.optimizer.slots).toEqual(sa.optimizer.slots);
    expect(Object.keys(sa.optimizer.slots).sort()).toEqual(['m', 'v']);
    disposeTrainState(a);
    disposeTrainState(b);
  });
});

/** A loss that becomes NaN/∞ or explodes stops the run (exit 3) with the last finite checkpoint kept; --allow-nan opts out. */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../../src/cli/common.js';
import { EXIT_DIVERGED } from '../../src/cli/train.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState, divergence, type EpochMetrics } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { checkpointEpoch, metricRows, spawnTrain, tempDebris, tempDir, TINY, trainInProcess } from './helpers.js';

let root: string;

const run = trainInProcess;

beforeAll(() => {
  root = tempDir('diverge');
});

const metrics = (epoch: number, trainLoss: number, validLoss = 1): EpochMetrics => ({ epoch, trainLoss, trainAcc: 0.5, validLoss, validAcc: 0.5, testLoss: 1, testAcc: 0.5, seconds: 1, evalSeconds: 0 });

describe('divergence rule', () => {
  it('non-finite losses, or a train loss 100× above max(ln C, the best so far); ordinary noise is not divergence', () => {
    expect(divergence(metrics(1, Number.NaN), [], 10)).toBe('train loss NaN');
    expect(divergence(metrics(2, 0.3, Number.POSITIVE_INFINITY), [metrics(1, 0.5)], 10)).toBe('valid loss Infinity');
    expect(divergence(metrics(2, 3e7), [metrics(1, 0.5)], 10)).toBe('train loss 3.00e+7, over 100× 2.30');
    expect(divergence(metrics(2, 200), [metrics(1, 0.5)], 10)).toBeNull(); // below 100 ln 10 = 230
    expect(divergence(metrics(3, 1.5), [metrics(1, 0.5), metrics(2, 0.1)], 10)).toBeNull(); // a spike, not a blow-up
    expect(divergence(metrics(1, 3), [], 10)).toBeNull();
  });
});

describe('train CLI on a diverging run', () => {
  it('--optimizer momentum --lr 1e30: stops after epoch 1 with exit 3, a message naming the epoch and the lr, nothing checkpointed', async () => {
    const out = join(root, 'huge-lr');
    const r = await spawnTrain([...TINY, '--optimizer', 'momentum', '--lr', '1e30', '--epochs', '5', '--no-progress', '--out', out]);
    expect(r.code).toBe(EXIT_DIVERGED);
    expect(r.stdout.trim().split('\n')).toHaveLength(1); // epoch 1's line, then no more training
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^train: epoch 1 diverged \((train|valid) loss NaN\); stopped, nothing is checkpointed; try a smaller --lr than 1e\+30 \(or --allow-nan to train on regardless\)$/,
    );
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
    expect(tempDebris(out)).toEqual([]);
  });

  it('a run that diverges at epoch 3 keeps epoch 2, the last finite one, and metrics.csv stops there', async () => {
    const out = join(root, 'late');
    expect((await run([...TINY, '--optimizer', 'momentum', '--lr', '0.1', '--epochs', '2', '--checkpoint-every', '3600', '--out', out])).code).toBe(0);
    const before = metricRows(out);
    // The same run continued with a learning rate that blows it up (config.json accepts any lr > 0).
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { config: { optimizer: { lr: number } } };
    config.config.optimizer.lr = 1e30;
    writeFileSync(join(out, 'config.json'), JSON.stringify(config));
    expect((await run(['--resume', out, '--epochs', '6'])).code).toBe(EXIT_DIVERGED);
    expect(checkpointEpoch(out)).toBe(2);
    expect(metricRows(out)).toEqual(before);
    const state = loadCheckpoint(out, readRunFile(out).config);
    expect(state.params.weights.every((w) => Array.from(w.dataSync()).every(Number.isFinite))).toBe(true);
    disposeTrainState(state);
  });

  it('--allow-nan trains on through NaN (exit 0), and resuming that NaN checkpoint needs --allow-nan again', async () => {
    const out = join(root, 'allow');
    expect((await run([...TINY, '--optimizer', 'momentum', '--lr', '1e30', '--epochs', '2', '--allow-nan', '--out', out])).code).toBe(0);
    expect(checkpointEpoch(out)).toBe(2);
    expect(metricRows(out)[1]).toMatch(/^2,NaN,/);
    const copy = join(root, 'allow-copy');
    cpSync(out, copy, { recursive: true });
    const refused = await run(['--resume', copy, '--epochs', '3']);
    expect(refused.code).toBe(EXIT_USAGE);
    expect(refused.line).toMatch(/epoch-0002\/(weights|optimizer)\.bin: \S+ holds NaN or ±Infinity \(resume with --allow-nan to continue from it anyway\)$/);
    expect((await run(['--resume', copy, '--epochs', '3', '--allow-nan'])).code).toBe(0);
  });
});

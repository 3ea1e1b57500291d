/**
 * The default-job section on tiny sizes, on every backend here: numpy's JobRun trains the same network as
 * handgrad's trainEpochs (same rows, initial parameters, batch order, Adam), so the losses agree to fp32
 * rounding epoch after epoch — and stop agreeing when numpy is given another batch order; finite per-epoch
 * ratios and their spread; no tensor growth. Timings are not asserted.
 */
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultJobConfig, loadJobDataset, runDefaultJob, type JobReport } from '../../bench/job.js';
import { startNumpy, type NumpyBaseline } from '../../bench/numpy.js';
import { formatJob, type JobSection } from '../../bench/report.js';
import { makeHomeworkDataset } from '../../bench/workload.js';
import { probeBackend, type BackendName } from '../../src/backends.js';
import { DEFAULT_LR, TRAIN_DEFAULTS as DEFAULTS } from '../../src/train/config.js';
import { ADAM_DEFAULTS } from '../../src/train/config.js';
import { backendAvailability } from '../helpers/requirements.js';
import { NUMPY_MISSING, NUMPY_SKIP, REPO_ROOT } from './helpers.js';

/** fp32 vs fp32 (the project's tolerance policy): |a − b| / max(|a|, |b|) ≤ FP32_VS_FP32.rtol. */
const FP32_RELATIVE = FP32_VS_FP32.rtol;
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);

const BACKENDS: BackendName[] = ['native', 'wasm', 'cpu'];
const available = Object.fromEntries(await Promise.all(BACKENDS.map(async (b) => [b, backendAvailability(await probeBackend(b))] as const)));

await tf.setBackend('cpu');
// 300 training rows at batch 128: steps of 128, 128 and 44 rows. 20 features, 4 classes; the rest is the default job's.
const dataset = makeHomeworkDataset({ train: 300, valid: 60, test: 40, layers: [20, DEFAULTS.hidden, 4], lr: 0, momentum: 0 }, 7);
const EPOCHS = 4;

let numpy: NumpyBaseline | null = null;
async function numpyServer(): Promise<NumpyBaseline> {
  if (numpy) return numpy;
  const started = await startNumpy();
  if (!started.ok) throw new Error(started.reason);
  numpy = started.baseline;
  return numpy;
}
afterAll(() => numpy?.close());

describe('the default job is `npm run train` with no flags', () => {
  it('defaultJobConfig reads the trainer\'s defaults', () => {
    const config = defaultJobConfig(784, 10);
    expect(config).toEqual({
      layers: [784, DEFAULTS.hidden, 10],
      seed: DEFAULTS.seed,
      grad: DEFAULTS.grad,
      optimizer: { kind: DEFAULTS.optimizer, lr: DEFAULT_LR[DEFAULTS.optimizer], momentum: DEFAULTS.momentum, ...ADAM_DEFAULTS },
      batchSize: DEFAULTS.batchSize,
      epochs: DEFAULTS.epochs,
    });
  });

  it.skipIf(!available.native.available)(`the CLI trains the same first epoch as the bench's handgrad side${available.native.skipNote}`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'handgrad-bench-job-'));
    try {
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/train.ts', '--backend', 'native', '--train-size', '256', '--valid-size', '52', '--test-size', '52', '--epochs', '1', '--json', '--out', join(out, 'run')],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
      expect(cli.status, cli.stderr).toBe(0);
      const epoch = JSON.parse(cli.stdout.split('\n')[0]) as { trainLoss: number; validLoss: number; testAcc: number };
      const run = JSON.parse(readFileSync(join(out, 'run', 'config.json'), 'utf8')) as { config: unknown };
      const data = loadJobDataset(256);
      expect([data.train.n, data.valid.n, data.test.n]).toEqual([256, 52, 52]);
      expect(run.config).toEqual(defaultJobConfig(data.features, data.classes, 1));
      const report = await runDefaultJob({ backend: 'native', dataset: data, config: defaultJobConfig(data.features, data.classes, 1), subset: null }, null, () => {});
      const ours = report.perEpoch[0].handgrad.metrics;
      expect(ours.trainLoss).toBe(epoch.trainLoss);
      expect(ours.validLoss).toBe(epoch.validLoss);
      expect(ours.testAcc).toBe(epoch.testAcc);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000); // a CLI start-up and MNIST load, minutes on a busy 2-core machine
});

for (const backend of BACKENDS) {
  const backendHere = available[backend];
  const skip = backendHere.available ? NUMPY_SKIP : backendHere.skipNote;
  describe.skipIf(!backendHere.available || NUMPY_MISSING)(`default job on ${backend} against numpy, tiny sizes${skip}`, () => {
    let report: JobReport;

    it(`${EPOCHS} epochs: the same losses as numpy to fp32 rounding, finite ratios, no tensor growth`, async () => {
      const tensorsAtStart = tf.memory().numTensors;
      const progress: string[] = [];
      report = await runDefaultJob({ backend, dataset, config: defaultJobConfig(20, 4, EPOCHS), subset: null }, await numpyServer(), (line) => progress.push(line));
      expect(tf.memory().numTensors).toBe(tensorsAtStart);
      expect(progress).toHaveLength(EPOCHS);

      expect(report).toMatchObject({ backend, layers: [20, DEFAULTS.hidden, 4], batchSize: DEFAULTS.batchSize, stepsPerEpoch: 3, epochs: EPOCHS, warmupEpochs: 1 });
      expect(report.perEpoch.map((e) => [e.epoch, e.warmup])).toEqual([[1, true], [2, false], [3, false], [4, false]]);
      for (const e of report.perEpoch) {
        const numpySide = e.numpy;
        if (numpySide === null) throw new Error('numpy side missing');
        // The same network trained in the same order: every metric agrees to fp32 rounding.
        for (const key of ['trainLoss', 'validLoss', 'testLoss'] as const) {
          expect(relative(e.handgrad.metrics[key], numpySide.metrics[key]), `epoch ${e.epoch} ${key}`).toBeLessThanOrEqual(FP32_RELATIVE);
        }
        expect(Math.abs(e.handgrad.metrics.trainAcc - numpySide.metrics.trainAcc)).toBeLessThanOrEqual(1 / 300 + 1e-12); // one borderline row may flip
        expect(e.trainLossDiff).toBe(Math.abs(e.handgrad.metrics.trainLoss - numpySide.metrics.trainLoss));
        expect(e.ratio).toBeCloseTo(e.handgrad.seconds / numpySide.seconds, 12);
        expect(Number.isFinite(e.ratio) && (e.ratio ?? 0) > 0).toBe(true);
        expect(e.handgrad.trainSeconds + e.handgrad.evalSeconds).toBeLessThanOrEqual(e.handgrad.seconds * 1.001 + 1e-6);
        expect(e.tensorGrowth).toBe(0);
      }
      // Adam at lr 1e-3 on a learnable problem: the loss goes down.
      expect(report.perEpoch[EPOCHS - 1].handgrad.metrics.trainLoss).toBeLessThan(report.perEpoch[0].handgrad.metrics.trainLoss);
      expect(report.maxTrainLossDiff).toBe(Math.max(...report.perEpoch.map((e) => e.trainLossDiff ?? NaN)));
      const ratio = report.ratio;
      if (ratio === null) throw new Error('no ratio');
      expect(ratio.n).toBe(EPOCHS - 1);
      expect([ratio.min, ratio.q1, ratio.median, ratio.q3, ratio.max].every(Number.isFinite)).toBe(true);
      expect(ratio.min <= ratio.q1 && ratio.q1 <= ratio.median && ratio.median <= ratio.q3 && ratio.q3 <= ratio.max).toBe(true);
      expect(report.trainRatio?.n).toBe(EPOCHS - 1);
      expect(report.handgrad.stepsPerSecond).toBeCloseTo(3 / report.handgrad.medianTrainSeconds, 9);
      expect(report.numpy?.stepsPerSecond).toBeGreaterThan(0);
      expect(report.tensors).toEqual({ before: report.tensors.before, after: report.tensors.before, maxEpochGrowth: 0 });

      const section: JobSection = { description: { layers: report.layers, optimizer: report.optimizer, grad: 'manual', batchSize: 128, epochs: EPOCHS, sizes: { train: 300, valid: 60, test: 40 } }, runs: [report] };
      const text = formatJob(section, () => undefined).join('\n');
      expect(text).toContain(`${report.ratio?.median.toFixed(2)}×`);
      expect(text).toMatch(new RegExp(`^${backend}\\s+default job\\s+${EPOCHS}\\s`, 'm'));
    });

    it('numpy in another batch order trains another network: the check above can fail', async () => {
      const server = await numpyServer();
      const reversed: NumpyBaseline = { ...server, jobEpoch: (order) => server.jobEpoch(order.slice().reverse()) };
      const other = await runDefaultJob({ backend, dataset, config: defaultJobConfig(20, 4, 2), subset: null }, reversed, () => {});
      const e = other.perEpoch[1];
      expect(relative(e.handgrad.metrics.trainLoss, e.numpy?.metrics.trainLoss ?? NaN)).toBeGreaterThan(10 * FP32_RELATIVE);
      // And the in-order run's first two epochs are reproduced exactly by handgrad (same seed → same curve).
      expect(e.handgrad.metrics.trainLoss).toBe(report.perEpoch[1].handgrad.metrics.trainLoss);
    });
  });
}

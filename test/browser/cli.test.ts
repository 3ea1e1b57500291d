/**
 * `--backend webgl` from Node: `train --backend webgl` (src/cli/train.ts driving
 * src/browser/train_in_browser.ts) against the same run on cpu in Node, resume, Ctrl-C, the compare
 * CLI end to end, and the one-line exit 2 when Chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { registerCustomOps } from '../../custom-ops/index.js';
import { ensureWebBuild, REPO_ROOT } from '../../src/browser/build.js';
import { trainEpochsInBrowser } from '../../src/browser/train_in_browser.js';
import { trainMain } from '../../src/cli/train.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import { latestCheckpointDir, loadCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs, type EpochMetrics } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { trainUntilInterrupted } from '../cli/train_interrupt.js';
import { chromiumAvailability } from '../helpers/requirements.js';

const chromium = chromiumAvailability();

const DATA = { spec: 'mnist', trainSize: 300, validSize: 100, testSize: 100 };
const CONFIG: TrainConfig = {
  layers: [784, 16, 10],
  seed: 7,
  grad: 'manual',
  optimizer: { kind: 'adam', lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 100,
  epochs: 3,
};

/** The same run with trainEpochs on cpu in Node: the reference the browser run must match. */
async function cpuHistory(dataset: Dataset, epochs: number): Promise<EpochMetrics[]> {
  await tf.setBackend('cpu');
  registerCustomOps();
  const data = toTensorData(dataset);
  const result = await trainEpochs({ ...CONFIG, epochs }, data, initTrainState({ ...CONFIG, epochs }));
  disposeTensorData(data);
  disposeTrainState(result.state);
  return result.state.history;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);

describe.skipIf(!chromium.available)(`--backend webgl through headless Chromium${chromium.skipNote}`, () => {
  let outDir: string;
  let dataset: Dataset;
  beforeAll(async () => {
    await ensureWebBuild();
    outDir = mkdtempSync(join(tmpdir(), 'handgrad-webgl-'));
    dataset = loadDataset(DATA.spec, DATA);
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('`train --backend webgl` writes the run folder from Node, resumes, and matches the same run on cpu in Node', async () => {
    const out = join(outDir, 'run');
    const args = ['--data', DATA.spec, '--train-size', String(DATA.trainSize), '--valid-size', String(DATA.validSize), '--test-size', String(DATA.testSize)];
    const flags = ['--layers', CONFIG.layers.join(','), '--seed', String(CONFIG.seed), '--optimizer', 'adam', '--lr', String(CONFIG.optimizer.lr), '--batch-size', String(CONFIG.batchSize)];
    expect(await trainMain([...args, ...flags, '--epochs', '2', '--backend', 'webgl', '--out', out, '--no-progress'])).toBe(0);
    expect(latestCheckpointDir(out)).toMatch(/epoch-0002$/);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(3); // header + 2 epochs
    const first = loadCheckpoint(out, readRunFile(out).config);
    disposeTrainState(first);

    // --resume continues from the checkpoint: epoch 3 only, history carried over.
    expect(await trainMain(['--resume', out, '--epochs', '3', '--no-progress'])).toBe(0);
    const run = readRunFile(out);
    expect(run.backend).toBe('webgl');
    const resumed = loadCheckpoint(out, run.config);
    disposeTrainState(resumed);
    expect(resumed.history.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(resumed.history.slice(0, 2)).toEqual(first.history);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ backend: 'webgl', epochs: 3, interrupted: false });

    // Same seed, data and steps in Node on cpu: the losses agree to fp32 rounding (measured ≤ 1e-6).
    const reference = await cpuHistory(dataset, 3);
    resumed.history.forEach((m, i) => {
      expect(rel(m.trainLoss, reference[i].trainLoss)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      expect(rel(m.testLoss, reference[i].testLoss)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    });
    expect(resumed.history[2].trainLoss).toBeLessThan(resumed.history[0].trainLoss);
  });

  it('stops at the end of the epoch in which shouldStop turns true (Ctrl-C), keeping that epoch', async () => {
    await tf.setBackend('cpu');
    const data = toTensorData(dataset);
    const config = { ...CONFIG, epochs: 5 };
    let epochsSeen = 0;
    const result = await trainEpochsInBrowser(config, data, initTrainState(config), { onEpoch: () => void epochsSeen++, shouldStop: () => epochsSeen >= 1 }, { log: () => {} });
    disposeTensorData(data);
    expect(result.stopped).toBe(true);
    expect(result.state.history.map((m) => m.epoch)).toEqual([1]);
    expect(result.state.epoch).toBe(1);
    expect(result.memory).toHaveLength(1);
    disposeTrainState(result.state);
  });

  it('Ctrl-C during `train --backend webgl` checkpoints the last epoch, reports it interrupted and exits 130', async () => {
    const out = join(outDir, 'interrupted');
    const args = ['--data', 'mnist', '--train-size', '300', '--valid-size', '100', '--test-size', '100', '--hidden', '16', '--batch-size', '100', '--epochs', '1000'];
    const { code, stderr } = await trainUntilInterrupted([...args, '--backend', 'webgl', '--out', out], (stdout) => /^epoch 1\/1000 /m.test(stdout), REPO_ROOT);
    expect(stderr).toMatch(/interrupted; run folder: .*interrupted \(continue with --resume /);
    expect(code).toBe(130);
    const epochs = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1;
    expect(epochs).toBeGreaterThanOrEqual(1);
    expect(latestCheckpointDir(out)).toMatch(new RegExp(`epoch-${String(epochs).padStart(4, '0')}$`));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { interrupted: boolean; epochs: number; backend: string };
    expect(summary).toMatchObject({ interrupted: true, epochs, backend: 'webgl' });
  });

  it('npm run compare -- --backend webgl prints the renderer and an all-pass table', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/compare.ts', '--backend', 'webgl', '--layers', '784,32,10', '--batch', '8'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(res.stderr).toMatch(/webgl in headless Chromium, WebGL 2 renderer: .*SwiftShader.*float32 textures: true — software rendering on the CPU/);
    expect(res.stdout).toMatch(/^== webgl ==/m);
    expect(res.stdout).not.toMatch(/FAIL/);
    expect(res.stdout).toMatch(/webgl: \d+ checks, all pass/);
    expect(res.status).toBe(0);
  });
});

describe('--backend webgl and webgpu without Chromium', () => {
  const env = { ...process.env, HANDGRAD_CHROMIUM: '/nonexistent/chromium' };
  const out = join(tmpdir(), `handgrad-no-chromium-${process.pid}`);
  it.each([
    ['compare', 'webgl', ['src/cli/compare.ts', '--backend', 'webgl']],
    ['train', 'webgl', ['src/cli/train.ts', '--backend', 'webgl', '--out', out]],
    ['compare', 'webgpu', ['src/cli/compare.ts', '--backend', 'webgpu']],
    ['train', 'webgpu', ['src/cli/train.ts', '--backend', 'webgpu', '--out', out]],
  ])('%s --backend %s exits 2 with one line naming apt-get install chromium, writing nothing', (tool, backend, args) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 60_000 });
    const lines = res.stderr.trim().split('\n').filter((l) => !/nodedir|npm warn/.test(l));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${tool}: --backend ${backend} needs Chromium, but /nonexistent/chromium.*\`apt-get install chromium\``))]);
    expect(res.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * `--backend webgpu` from Node, in headless Chromium on SwiftShader's WebGPU adapter: handgrad's
 * WGSL kernels against the cpu kernels, the compare CLI's rows, a short `train --backend webgpu`
 * against the same run on cpu in Node, and one line + exit 2 when the browser gives no adapter.
 * SwiftShader runs WGSL on the CPU, so the problems are small.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { CUSTOM_KERNEL_NAMES, registerCustomOps } from '../../custom-ops/index.js';
import { ensureWebBuild, REPO_ROOT } from '../../src/browser/build.js';
import { DEFAULT_CHROMIUM } from '../../src/browser/chromium.js';
import { openPageSession, usePageBackend } from '../../src/browser/session.js';
import { trainMain } from '../../src/cli/train.js';
import { loadDataset } from '../../src/data/load.js';
import { latestCheckpointDir } from '../../src/train/checkpoint.js';
import type { TrainConfig } from '../../src/train/config.js';
import { disposeTensorData, disposeTrainState, initTrainState, toTensorData, trainEpochs } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { chromiumAvailability } from '../helpers/requirements.js';

const chromium = chromiumAvailability();

const DATA = { spec: 'mnist', trainSize: 1000, validSize: 200, testSize: 200 };
const CONFIG: TrainConfig = {
  layers: [784, 32, 10],
  seed: 5,
  grad: 'manual',
  optimizer: { kind: 'adam', lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 100,
  epochs: 3,
};

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);

function run(args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 240_000): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** stderr without npm's and node's own notices. */
const stderrLines = (stderr: string): string[] => stderr.trim().split('\n').filter((l) => l !== '' && !/nodedir|npm warn/.test(l));

describe.skipIf(!chromium.available)(`--backend webgpu in headless Chromium (SwiftShader adapter)${chromium.skipNote}`, () => {
  let outDir: string;
  beforeAll(async () => {
    await ensureWebBuild();
    outDir = mkdtempSync(join(tmpdir(), 'handgrad-webgpu-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('runs every handgrad kernel (forward, gradient, fused backprop and optimizer updates) on webgpu within fp32 tolerance of the cpu kernel', async () => {
    const session = await openPageSession({ backend: 'webgpu', log: () => {} });
    try {
      const { info, description } = await usePageBackend(session, 'webgpu');
      expect(info.backend).toBe('webgpu');
      expect(description).toMatch(/^webgpu in headless Chromium, WebGPU adapter: .*swiftshader.* software rendering on the CPU/);
      const rows = await session.page.evaluate(() => window.handgrad!.checkKernels(['webgpu']));
      expect([...new Set(rows.map((r) => r.kernel))].sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
      expect(rows.every((r) => r.backend === 'webgpu')).toBe(true);
      const failures = rows.filter((r) => !r.pass).map((r) => `${r.kernel} ${JSON.stringify(r.shape)}: ${r.maxRelError}`);
      expect(failures).toEqual([]);
      for (const r of rows) expect(r.maxRelError).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      // Not every row is exact: the check would pass a kernel that returned the cpu's own buffer.
      expect(rows.some((r) => r.maxRelError > 0)).toBe(true);
      // A WGSL program that fails to compile is logged by Chromium; the session counts it as an error.
      expect(session.consoleErrors).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('`compare --backend webgpu` prints the adapter and an all-pass table', () => {
    // Every kernel's opcheck on SwiftShader's webgpu: minutes on a loaded machine.
    const res = run(['src/cli/compare.ts', '--backend', 'webgpu', '--layers', '784,32,10', '--batch', '8'], process.env, 480_000);
    expect(res.stderr).toMatch(/^webgpu in headless Chromium, WebGPU adapter: google swiftshader — software rendering on the CPU: correctness, not GPU speed$/m);
    expect(res.stdout).toMatch(/^== webgpu ==/m);
    expect(res.stdout).toMatch(/^W1\s+manual vs autodiff\s/m);
    // Every handgrad kernel by opcheck: against the page's cpu and fp32 differences.
    expect(res.stdout).toMatch(/^ManualSoftmaxCrossEntropy \[webgpu\] ∂\/∂logits\s+grad vs cpu\s/m);
    expect(res.stdout).toMatch(/^ManualSoftmaxCrossEntropy \[webgpu\] ∂\/∂logits\s+grad vs fd32 \(fast\)\s/m);
    expect(res.stdout).not.toMatch(/FAIL/);
    expect(res.stdout).toMatch(/webgpu: 102 checks, all pass/);
    expect(res.stderr).not.toMatch(/page console errors/);
    expect(res.status).toBe(0);
  }, 540_000);

  it('`train --backend webgpu` learns, writes the run folder from Node, and matches the same run on cpu in Node', async () => {
    const out = join(outDir, 'run');
    const args = ['--data', DATA.spec, '--train-size', String(DATA.trainSize), '--valid-size', String(DATA.validSize), '--test-size', String(DATA.testSize)];
    const flags = ['--layers', CONFIG.layers.join(','), '--seed', String(CONFIG.seed), '--optimizer', 'adam', '--lr', String(CONFIG.optimizer.lr), '--batch-size', String(CONFIG.batchSize)];
    expect(await trainMain([...args, ...flags, '--epochs', String(CONFIG.epochs), '--backend', 'webgpu', '--out', out, '--no-progress'])).toBe(0);
    expect(readRunFile(out).backend).toBe('webgpu');
    expect(latestCheckpointDir(out)).toMatch(/epoch-0003$/);
    for (const file of ['config.json', 'metrics.csv', 'summary.json', 'learning-curve.svg', 'learning-curve.vl.json']) expect(existsSync(join(out, file)), file).toBe(true);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4); // header + 3 epochs
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { backend: string; epochs: number; bestValidAcc?: number };
    expect(summary).toMatchObject({ backend: 'webgpu', epochs: 3 });
    const columns = csv[0].split(',');
    const rows = csv.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], Number(v)])));
    // 1000 digits, three epochs of Adam: measured 85.5 % valid (the same on cpu, checked below).
    expect(rows[2].valid_acc).toBeGreaterThan(0.8);
    expect(rows[2].train_loss).toBeLessThan(rows[0].train_loss);

    // Same seed, data and steps on cpu in Node: the WGSL kernels and tfjs's webgpu ops differ from
    // cpu only by fp32 rounding.
    await tf.setBackend('cpu');
    registerCustomOps();
    const data = toTensorData(loadDataset(DATA.spec, DATA));
    const reference = await trainEpochs(CONFIG, data, initTrainState(CONFIG));
    disposeTensorData(data);
    disposeTrainState(reference.state);
    reference.state.history.forEach((m, i) => {
      expect(rel(rows[i].train_loss, m.trainLoss), `epoch ${i + 1} train loss`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      expect(rel(rows[i].valid_loss, m.validLoss), `epoch ${i + 1} valid loss`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    });
  });
});

describe.skipIf(!chromium.available)(`--backend webgpu when Chromium gives no WebGPU adapter${chromium.skipNote}`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    await ensureWebBuild();
    dir = mkdtempSync(join(tmpdir(), 'handgrad-no-webgpu-'));
    // A chromium that drops --enable-unsafe-webgpu: navigator.gpu is there, requestAdapter() gives null.
    const wrapper = join(dir, 'chromium-without-webgpu');
    writeFileSync(wrapper, `#!/bin/sh\nfor a; do shift; [ "$a" = --enable-unsafe-webgpu ] || set -- "$@" "$a"; done\nexec ${process.env.HANDGRAD_CHROMIUM ?? DEFAULT_CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    env = { ...process.env, HANDGRAD_CHROMIUM: wrapper };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['compare', ['src/cli/compare.ts', '--backend', 'webgpu']],
    ['train', ['src/cli/train.ts', '--backend', 'webgpu', '--train-size', '100', '--valid-size', '50', '--test-size', '50', '--out', 'OUT']],
  ])('%s exits 2 with one line saying there is no adapter, writing nothing', (tool, args) => {
    const out = join(dir, `${tool}-run`);
    const res = run(args.map((a) => (a === 'OUT' ? out : a)), env);
    expect(stderrLines(res.stderr)).toEqual([expect.stringMatching(new RegExp(`^${tool}: --backend webgpu: headless Chromium gave no WebGPU adapter \\(.*--enable-unsafe-webgpu.*\\)$`))]);
    expect(res.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('`compare --backend all` runs webgl and prints one skip line for webgpu', () => {
    const res = run(['src/cli/compare.ts', '--backend', 'all', '--layers', '8,5,3', '--batch', '3'], env);
    expect(res.stdout).toMatch(/^webgpu: skipped — headless Chromium gave no WebGPU adapter/m);
    expect(res.stdout).toMatch(/^webgl: \d+ checks, all pass/m);
    expect(res.stdout).toMatch(/^cpu: \d+ checks, all pass/m);
    expect(res.status).toBe(0);
  });
});

describe('--backend webgpu and compare --backend all without Chromium', () => {
  const env = { ...process.env, HANDGRAD_CHROMIUM: '/nonexistent/chromium' };

  it('compare --backend all skips webgl and webgpu with one line each naming the missing browser', () => {
    const res = run(['src/cli/compare.ts', '--backend', 'all', '--layers', '6,4,3', '--batch', '2'], env);
    for (const name of ['webgl', 'webgpu']) {
      expect(res.stdout.split('\n').filter((l) => l.startsWith(`${name}: skipped — `))).toEqual([
        expect.stringMatching(/needs Chromium, but \/nonexistent\/chromium is not an executable: install it with `apt-get install chromium`/),
      ]);
    }
    expect(res.stdout).toMatch(/^cpu: \d+ checks, all pass/m);
    expect(res.status).toBe(0);
  });
});

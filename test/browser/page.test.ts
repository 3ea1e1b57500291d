/**
 * End-to-end tests of the training page in headless Chromium (SwiftShader WebGL2): kernels on
 * webgl/wasm vs cpu, a training run with live curves, backends agreeing on the first epoch,
 * the compare button, and tf.memory() across epochs. The page is built once in beforeAll.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES } from '../../custom-ops/kernel_names.js';
import { FP32_VS_FP32 } from '../../compare/tolerances.js';
import { REPO_ROOT } from '../../src/browser/build.js';
import { openPageSession, type PageSession } from '../../src/browser/session.js';
import { chromiumMissingReason } from './chromium_skip.js';

const chromiumMissing = chromiumMissingReason('test/browser/page.test.ts');

const RESULTS = join(REPO_ROOT, 'test-results');

type EpochRow = { epoch: number; trainLoss: number; testAcc: number; numTensors: number };

async function trainOnPage(page: Page, settings: { backend: string; layers: string; epochs: number; batch: number; grad?: string }): Promise<EpochRow[]> {
  await page.selectOption('#backend', settings.backend);
  await page.fill('#layers', settings.layers);
  await page.fill('#epochs', String(settings.epochs));
  await page.fill('#batch', String(settings.batch));
  await page.selectOption('#grad', settings.grad ?? 'manual');
  await page.selectOption('#optimizer', 'momentum');
  await page.fill('#lr', '0.1');
  await page.fill('#seed', '3');
  await page.click('#train');
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.getElementById('status')?.dataset.state ?? ''), undefined, { timeout: 90_000 });
  const status = await page.textContent('#status');
  expect(await page.getAttribute('#status', 'data-state'), status ?? '').toBe('done');
  return page.$$eval('#epoch-table tbody tr', (rows) =>
    rows.map((r) => {
      const d = (r as HTMLElement).dataset;
      return { epoch: Number(d.epoch), trainLoss: Number(d.trainLoss), testAcc: Number(d.testAcc), numTensors: Number(d.numTensors) };
    }),
  );
}

describe.skipIf(chromiumMissing !== null)('training page in headless Chromium (WebGL2 on SwiftShader)', () => {
  let session: PageSession;

  beforeAll(async () => {
    session = await openPageSession();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('loads without console errors and shows the WebGL renderer it got', async () => {
    expect(session.consoleErrors).toEqual([]);
    const renderer = await session.page.textContent('#renderer');
    expect(renderer).toMatch(/SwiftShader/);
    expect(renderer).toMatch(/WebGL 2/);
    const info = await session.page.evaluate(() => window.handgrad!.useBackend('webgl'));
    expect(info.backend).toBe('webgl');
    expect(info.float32Textures).toBe(true);
    expect(await session.page.textContent('#data-sizes')).toBe('2000 train / 500 valid / 500 test images');
  });

  it('runs every kernel on webgl and wasm within fp32 tolerance of the cpu kernel', async () => {
    const rows = await session.page.evaluate(() => window.handgrad!.checkKernels(['webgl', 'wasm']));
    const kernels = new Set(rows.filter((r) => r.backend === 'webgl').map((r) => r.kernel));
    expect([...kernels].sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    const failures = rows.filter((r) => !r.pass).map((r) => `${r.backend} ${r.kernel} ${JSON.stringify(r.shape)}: ${r.maxRelError}`);
    expect(failures).toEqual([]);
    for (const r of rows) expect(r.maxRelError).toBeLessThanOrEqual(1e-5);
  });

  it('trains on webgl: the loss falls, the curves are drawn, and tf.memory() stays flat across epochs', async () => {
    const rows = await trainOnPage(session.page, { backend: 'webgl', layers: '784,32,10', epochs: 3, batch: 100 });
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3]);
    // An untrained 10-class softmax sits near ln 10 ≈ 2.30; one epoch of momentum SGD on 2000 digits gets far below.
    expect(rows[0].trainLoss).toBeLessThan(1.0);
    expect(rows[2].trainLoss).toBeLessThan(rows[0].trainLoss);
    expect(rows[2].testAcc).toBeGreaterThan(0.8);
    // No tensor leaks: the same number of live tensors after every epoch.
    expect(new Set(rows.map((r) => r.numTensors)).size).toBe(1);
    // One line per split (train, valid, test) in each chart, each with a point per epoch.
    for (const chart of ['#loss-chart', '#acc-chart']) {
      expect(await session.page.locator(`${chart} svg .mark-line.role-mark path`).count()).toBe(3);
      expect(await session.page.locator(`${chart} svg .mark-symbol.role-mark path`).count()).toBe(9);
    }
    mkdirSync(RESULTS, { recursive: true });
    await session.page.screenshot({ path: join(RESULTS, 'webgl-training.png'), fullPage: true });
    expect(session.consoleErrors).toEqual([]);
  });

  it('gives the same first-epoch loss on webgl, wasm and cpu', async () => {
    const firstEpoch: Record<string, number> = {};
    for (const backend of ['webgl', 'wasm', 'cpu']) {
      const rows = await trainOnPage(session.page, { backend, layers: '784,16,10', epochs: 1, batch: 250 });
      firstEpoch[backend] = rows[0].trainLoss;
    }
    // Same seed, same data, same eight momentum steps: the backends differ only by fp32 rounding
    // (summation order in matmul, exp/log), so the fp32~fp32 tolerance of the checker applies
    // (measured: webgl 1e-7, wasm 2e-6 relative to cpu).
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    expect(rel(firstEpoch.webgl, firstEpoch.cpu)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    expect(rel(firstEpoch.wasm, firstEpoch.cpu)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    expect(firstEpoch.cpu).toBeLessThan(2.0);
  });

  it('the compare button runs the gradient checks on webgl and reports all-pass', async () => {
    const { page } = session;
    await page.selectOption('#backend', 'webgl');
    await page.fill('#compare-layers', '784,48,10');
    await page.fill('#compare-batch', '16');
    await page.click('#compare');
    await page.waitForFunction(() => ['pass', 'fail', 'error'].includes(document.getElementById('compare-summary')?.dataset.state ?? ''), undefined, { timeout: 90_000 });
    const summary = await page.textContent('#compare-summary');
    const table = (await page.textContent('#compare-table')) ?? '';
    expect(summary).toMatch(/^all \d+ checks pass on webgl$/);
    expect(table).toMatch(/^== webgl ==/);
    expect(table).toMatch(/W1\s+manual vs autodiff/);
    expect(table).not.toMatch(/FAIL/);
    expect(table).toMatch(/webgl: \d+ checks, all pass/);
    await page.screenshot({ path: join(RESULTS, 'webgl-compare.png'), fullPage: true });
    expect(session.consoleErrors).toEqual([]);
  });
});

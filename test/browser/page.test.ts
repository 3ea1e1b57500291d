/**
 * The training page clicked through in headless Chromium on each backend it offers (webgl and
 * webgpu on SwiftShader, wasm, cpu): training with the teaching panels, Stop mid-run, and the
 * gradient checker. Small networks: SwiftShader is slow. Screenshots land in test-results/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES } from '../../custom-ops/kernel_names.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { chromiumAvailability } from '../helpers/requirements.js';
import { epochRows, fillTraining, hasKernels, openSession, runCheck, screenshot, train, waitForRunEnd, type Session } from './page_helpers.js';

const chromium = chromiumAvailability();

const BACKENDS = ['webgl', 'webgpu', 'wasm', 'cpu'] as const;
const LAYERS = '784,16,10';
/** 784·16 + 16 + 16·10 + 10 */
const LAYERS_PARAMS = '12,730';

/** formatDuration's "0.8 s", "42 s" or "1 min 05 s". */
const DURATION = '([\\d.]+ s|\\d+ min \\d\\d s)';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

async function countPaths(page: Page, chart: string, mark: 'line' | 'symbol'): Promise<number> {
  return page.locator(`${chart} svg .mark-${mark}.role-mark path`).count();
}

/** The checker's wait: it opchecks every kernel in the page, minutes on SwiftShader's webgpu under load. */
const CHECK_MS = 480_000;

describe.skipIf(!chromium.available)(`the training page on webgl, webgpu, wasm and cpu (headless Chromium, SwiftShader)${chromium.skipNote}`, () => {
  let session: Session;
  const firstEpochLoss: Record<string, number> = {};

  beforeAll(async () => {
    session = await openSession();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('loads without console errors, offers every backend with what it runs on, and says SwiftShader is not GPU speed', async () => {
    const { page } = session;
    expect(session.consoleErrors).toEqual([]);
    expect(await page.textContent('#data-sizes')).toBe('2000 train / 500 valid / 500 test images');
    expect(await page.textContent('#renderer')).toMatch(/SwiftShader.*\(WebGL 2\)$/);
    for (const backend of BACKENDS) {
      expect(await page.getAttribute(`#backend-${backend}`, 'data-available'), backend).toBe('true');
      expect(await page.locator(`#backend option[value="${backend}"]`).isDisabled()).toBe(false);
    }
    expect(await page.textContent('#backend-webgpu')).toMatch(/^WebGPU adapter: .*swiftshader/i);
    await page.selectOption('#backend', 'webgl');
    expect(await page.textContent('#backend-note')).toMatch(/SwiftShader is software rendering: .*not a GPU's speed/);
    await page.selectOption('#backend', 'webgpu');
    expect(await page.textContent('#backend-note')).toMatch(/SwiftShader is software rendering/);
    await page.selectOption('#backend', 'cpu');
    expect(await page.textContent('#backend-note')).toMatch(/plain-JavaScript cpu backend: the slowest/);
  });

  it('runs every handgrad kernel on webgl and wasm within fp32 tolerance of the cpu kernel (the Node runner API)', async () => {
    const rows = await session.page.evaluate(() => window.handgrad!.checkKernels(['webgl', 'wasm']));
    const kernels = new Set(rows.filter((r) => r.backend === 'webgl').map((r) => r.kernel));
    expect([...kernels].sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    const failures = rows.filter((r) => !r.pass).map((r) => `${r.backend} ${r.kernel} ${JSON.stringify(r.shape)}: ${r.maxRelError}`);
    expect(failures).toEqual([]);
    for (const r of rows) expect(r.maxRelError).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
  });

  it.each(BACKENDS)('%s: trains 784-16-10 for 2 epochs; the curves, gradient norms, digits and confusion matrix fill in; tensors stay flat', async (backend) => {
    const { page } = session;
    const manual = await hasKernels(page, backend);
    const rows = await train(page, { backend, layers: LAYERS, epochs: 2, batch: 250, grad: manual ? 'manual' : 'autodiff' });
    firstEpochLoss[backend] = rows[0].trainLoss;
    expect(rows.map((r) => r.epoch)).toEqual([1, 2]);
    // ln 10 ≈ 2.30 is an untrained network's loss; 8 momentum steps on 2000 digits get far below it.
    expect(rows[0].trainLoss).toBeLessThan(1.5);
    expect(rows[1].trainLoss).toBeLessThan(rows[0].trainLoss);
    expect(rows[1].testAcc).toBeGreaterThan(0.7);
    expect(new Set(rows.map((r) => r.numTensors)).size).toBe(1);
    // Accuracy is a percentage everywhere: table cells, status line.
    expect(rows[1].cells[2]).toMatch(/^\d+\.\d %$/);
    expect(rows[1].cells[6]).toBe(`${(100 * rows[1].testAcc).toFixed(1)} %`);
    expect(await page.textContent('#status')).toMatch(new RegExp(`^Done on ${backend} in ${DURATION}: train loss \\d\\.\\d{4}, test accuracy ${(100 * rows[1].testAcc).toFixed(1)} %\\.$`));
    expect(await page.textContent('#param-count')).toMatch(new RegExp(`^${LAYERS_PARAMS} trainable parameters`));
    expect(await page.textContent('#timing')).toMatch(new RegExp(`^16 steps in ${DURATION} `));
    expect(await page.textContent('#warning')).toBe('');

    // Epoch curves: a line per split with a point per epoch; the per-batch curve; a norm line per layer.
    for (const chart of ['#loss-chart', '#acc-chart']) {
      expect(await countPaths(page, chart, 'line')).toBe(3);
      expect(await countPaths(page, chart, 'symbol')).toBe(6);
    }
    expect(await countPaths(page, '#batch-chart', 'line')).toBe(1);
    expect(await countPaths(page, '#norm-chart', 'line')).toBe(2);

    // Gradient norms per layer, manual against autodiff at fp32 rounding.
    const norms = await page.$$eval('#norms-table tbody tr', (trs) => trs.map((tr) => ({ ...((tr as HTMLElement).dataset as Record<string, string>) })));
    expect(norms.map((n) => n.layer)).toEqual(['1', '2']);
    expect(Number(await page.getAttribute('#norms-table', 'data-step'))).toBe(16);
    for (const n of norms) {
      expect(Number(n.autodiff)).toBeGreaterThan(0);
      if (manual) {
        expect(rel(Number(n.manual), Number(n.autodiff))).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
        expect(Number(n.difference) / Number(n.autodiff)).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      } else {
        expect(n.manual).toBe('null');
      }
    }

    // Sample digits with a predicted class and probability; the confusion matrix covers the test split.
    const digits = await page.$$eval('#digits figure', (figs) => figs.map((f): Record<string, string> => ({ ...(f as HTMLElement).dataset, caption: f.textContent ?? '' })));
    expect(digits).toHaveLength(12);
    for (const d of digits) {
      expect(d.caption).toMatch(/^[✓✗] predicted \d \(\d+\.\d %\), true \d$/);
      expect(Number(d.probability)).toBeGreaterThanOrEqual(0.1);
    }
    const counts = await page.$$eval('#confusion tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.dataset.count))));
    expect(counts).toHaveLength(10);
    const total = counts.flat().reduce((a, b) => a + b, 0);
    const diagonal = counts.reduce((a, row, i) => a + row[i], 0);
    expect(total).toBe(500);
    expect(diagonal / total).toBeCloseTo(rows[1].testAcc, 10);

    await screenshot(page, `page-train-${backend}.png`);
    expect(session.consoleErrors).toEqual([]);
  });

  it('gives the same first-epoch loss on the four backends (same seed, data and steps)', () => {
    // The backends differ only by fp32 rounding (summation order in matmul, exp/log), and webgpu
    // without handgrad's kernels by autodiff against manual gradients: the fp32~fp32 tolerance applies.
    expect(Object.keys(firstEpochLoss).sort()).toEqual([...BACKENDS].sort());
    for (const backend of BACKENDS) expect(rel(firstEpochLoss[backend], firstEpochLoss.cpu), backend).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
  });

  it.each(BACKENDS)('%s: Stop mid-run is answered within one batch; the controls come back', async (backend) => {
    const { page } = session;
    const manual = await hasKernels(page, backend);
    await fillTraining(page, { backend, layers: '784,32,10', epochs: 50, batch: 50, grad: manual ? 'manual' : 'autodiff' });
    await page.click('#train');
    await page.waitForFunction(() => Number(document.getElementById('progress')?.dataset.step ?? 0) >= 3, undefined, { timeout: 120_000 });
    expect(await page.isDisabled('#train')).toBe(true);
    expect(await page.$eval('#layers', (e) => e.matches(':disabled'))).toBe(true);
    // Elapsed and remaining time while it runs.
    await page.waitForFunction(() => / · about .* left$/.test(document.getElementById('timing')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await page.textContent('#timing')).toMatch(new RegExp(`^epoch \\d+ of 50, batch \\d+ of 40 · elapsed ${DURATION} · about ${DURATION} left$`));
    await page.click('#stop');
    expect(await waitForRunEnd(page)).toBe('stopped');
    const status = await page.$eval('#status', (e): Record<string, string> => ({ ...(e as HTMLElement).dataset, text: e.textContent ?? '' }));
    // Only the step in flight when Stop was pressed may finish (0 when Stop landed between steps).
    expect(Number(status.stepsAfterStop)).toBeLessThanOrEqual(1);
    expect(status.text).toMatch(new RegExp(`^Stopped on ${backend} after step \\d+ of 2000 \\(Stop answered in \\d+ ms`));
    console.info(`${backend}: Stop answered in ${status.stopLatencyMs} ms, ${status.stepsAfterStop} step(s) ended after it was pressed`);
    expect(await page.isDisabled('#train')).toBe(false);
    expect(await page.isDisabled('#stop')).toBe(true);
    expect(await page.$eval('#layers', (e) => e.matches(':disabled'))).toBe(false);
  });

  it.each(BACKENDS)('%s: the checker runs beside its options and its table lists every row, worst first, filterable', async (backend) => {
    const { page } = session;
    if (!(await hasKernels(page, backend))) {
      // Without handgrad's kernels the checker cannot run: the check section says so.
      expect(await runCheck(page, { backend, layers: '784,24,10', batch: 8 })).toBe('error');
      expect(await page.textContent('#compare-summary')).toMatch(new RegExp(`kernels, which this build does not register on ${backend}`));
      return;
    }
    // Every kernel's opcheck runs in the page: on SwiftShader's webgpu that takes minutes on a loaded machine.
    expect(await runCheck(page, { backend, layers: '784,24,10', batch: 8 }, CHECK_MS)).toBe('pass');
    expect(await page.textContent('#compare-summary')).toMatch(new RegExp(`^all (\\d+) checks pass on ${backend} \\((\\d+ min )?[\\d.]+ s\\)$`));
    const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr): Record<string, string> => ({ cls: (tr as HTMLElement).className, ...(tr as HTMLElement).dataset, result: tr.children[6]?.textContent ?? '' })));
    expect(rows.length).toBeGreaterThan(30);
    expect(new Set(rows.map((r) => r.cls))).toEqual(new Set(['pass']));
    expect(new Set(rows.map((r) => r.result))).toEqual(new Set(['pass']));
    const ratios = rows.map((r) => Number(r.ratio));
    expect(ratios).toEqual([...ratios].sort((a, b) => b - a));
    expect(rows.some((r) => r.name === 'W1' && r.kind === 'manual vs autodiff')).toBe(true);
    // The pass colour is the row's own background.
    expect(await page.$eval('#compare-table tbody tr', (tr) => getComputedStyle(tr).backgroundColor)).toBe('rgb(234, 247, 236)');
    await page.fill('#check-filter', 'W1');
    const filtered = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.name ?? ''));
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((name) => name.includes('W1'))).toBe(true);
    expect(await page.textContent('#compare-caption')).toMatch(new RegExp(`^${filtered.length} of ${rows.length} rows on ${backend}`));
    await page.selectOption('#check-show', 'fail');
    expect(await page.locator('#compare-table tbody tr').count()).toBe(0);
    await page.fill('#check-filter', '');
    await page.selectOption('#check-show', 'all');
    expect(await page.locator('#compare-table tbody tr').count()).toBe(rows.length);
    await screenshot(page, `page-check-${backend}.png`);
    expect(session.consoleErrors).toEqual([]);
  }, CHECK_MS + 60_000);

  it('a fresh run clears the last one: epoch table, digits and confusion matrix start empty', async () => {
    const { page } = session;
    await fillTraining(page, { backend: 'cpu', layers: '784,8,10', epochs: 1, batch: 500 });
    // Read the page in the same task as the click: a 4-step run can finish an epoch before a later read.
    const atStart = await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>('#train')!.click();
      const count = (selector: string): number => document.querySelectorAll(selector).length;
      return { epochs: count('#epoch-table tbody tr'), confusion: count('#confusion tbody tr'), digits: count('#digits figure[data-predicted]') };
    });
    expect(atStart).toEqual({ epochs: 0, confusion: 0, digits: 0 });
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.locator('#confusion tbody tr').count()).toBe(10);
    expect(await page.locator('#digits figure[data-predicted]').count()).toBe(12);
    expect(await epochRows(page)).toHaveLength(1);
  });
});

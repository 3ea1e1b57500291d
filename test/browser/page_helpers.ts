/**
 * Shared steps of the page's browser tests: a headless-Chromium session on the built page (with or
 * without WebGPU), filling the forms, waiting for a run or a check to end, and screenshots under
 * test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuild, REPO_ROOT, WEB_DIST } from '../../src/browser/build.js';
import { chromiumPath, CHROMIUM_ARGS } from '../../src/browser/chromium.js';
import { servePage, type PageServer } from '../../src/browser/server.js';

export const RESULTS = join(REPO_ROOT, 'test-results');
const WEBGPU_FLAG = '--enable-unsafe-webgpu';

export type Session = { page: Page; browser: Browser; server: PageServer; consoleErrors: string[]; close: () => Promise<void> };

export type SessionOptions = { webgpu?: boolean; viewport?: { width: number; height: number } };

/** Builds the page if needed, serves it on 127.0.0.1 and opens it; `webgpu: false` launches without WebGPU. */
export async function openSession(options: SessionOptions = {}): Promise<Session> {
  await ensureWebBuild();
  const server = await servePage(WEB_DIST);
  const args = [...(CHROMIUM_ARGS as readonly string[]).filter((a) => a !== WEBGPU_FLAG), ...(options.webgpu === false ? [] : [WEBGPU_FLAG])];
  const browser = await chromium.launch({ executablePath: chromiumPath(), args, headless: true });
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'loading', undefined, { timeout: 60_000 });
    const state = await page.getAttribute('#status', 'data-state');
    if (state !== 'ready') throw new Error(`the page did not start: ${await page.textContent('#status')}`);
    return {
      page,
      browser,
      server,
      consoleErrors,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser.close();
    await server.close();
    throw error;
  }
}

export type TrainSettings = { backend: string; layers: string; epochs: number; batch: number; grad?: string; optimizer?: string; lr?: number; seed?: number };

export async function fillTraining(page: Page, s: TrainSettings): Promise<void> {
  await page.selectOption('#backend', s.backend);
  await page.fill('#layers', s.layers);
  await page.fill('#epochs', String(s.epochs));
  await page.fill('#batch', String(s.batch));
  await page.selectOption('#grad', s.grad ?? 'manual');
  await page.selectOption('#optimizer', s.optimizer ?? 'momentum');
  await page.fill('#lr', String(s.lr ?? 0.1));
  await page.fill('#seed', String(s.seed ?? 3));
}

export const RUN_ENDED = ['done', 'stopped', 'diverged', 'warning', 'error'];

export async function waitForRunEnd(page: Page, timeout = 180_000): Promise<string> {
  await page.waitForFunction((ended) => ended.includes(document.getElementById('status')?.dataset.state ?? ''), RUN_ENDED, { timeout });
  return (await page.getAttribute('#status', 'data-state')) ?? '';
}

export type EpochRow = { epoch: number; trainLoss: number; testAcc: number; numTensors: number; cells: string[] };

export async function epochRows(page: Page): Promise<EpochRow[]> {
  return page.$$eval('#epoch-table tbody tr', (rows) =>
    rows.map((r) => {
      const d = (r as HTMLElement).dataset;
      return { epoch: Number(d.epoch), trainLoss: Number(d.trainLoss), testAcc: Number(d.testAcc), numTensors: Number(d.numTensors), cells: Array.from(r.querySelectorAll('td'), (td) => td.textContent ?? '') };
    }),
  );
}

/** Trains to the end and returns the epoch table; fails with the status line unless the run is `done`. */
export async function train(page: Page, s: TrainSettings, timeout?: number): Promise<EpochRow[]> {
  await fillTraining(page, s);
  await page.click('#train');
  const state = await waitForRunEnd(page, timeout);
  if (state !== 'done') throw new Error(`training on ${s.backend} ended "${state}": ${await page.textContent('#status')}`);
  return epochRows(page);
}

export const CHECK_ENDED = ['pass', 'fail', 'error', 'cancelled'];

export async function runCheck(page: Page, s: { backend?: string; layers: string; batch: number; seed?: number }, timeout = 180_000): Promise<string> {
  if (s.backend !== undefined) await page.selectOption('#backend', s.backend);
  await page.fill('#compare-layers', s.layers);
  await page.fill('#compare-batch', String(s.batch));
  await page.fill('#compare-seed', String(s.seed ?? 0));
  await page.click('#compare');
  await page.waitForFunction((ended) => ended.includes(document.getElementById('compare-summary')?.dataset.state ?? ''), CHECK_ENDED, { timeout });
  return (await page.getAttribute('#compare-summary', 'data-state')) ?? '';
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whether the page offers handgrad's kernels on `backend` (the backend list says when it does not). */
export async function hasKernels(page: Page, backend: string): Promise<boolean> {
  const text = (await page.textContent(`#backend-${backend}`)) ?? '';
  return !/kernels are not registered/.test(text);
}

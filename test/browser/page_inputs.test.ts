/**
 * The page's answers to bad input and its layout, in headless Chromium: errors in the section of
 * the field that caused them, results cleared when the backend changes, divergence reported as
 * such, the checker cancellable, a 480 px wide screen, keyboard and screen-reader basics, a browser
 * without WebGPU, and `npm run dev` printing its URL.
 */
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/browser/build.js';
import { chromiumAvailability } from '../helpers/requirements.js';
import { fillTraining, openSession, runCheck, screenshot, train, waitForRunEnd, type Session } from './page_helpers.js';

const chromium = chromiumAvailability();

describe.skipIf(!chromium.available)(`the page with bad input, in a narrow window, by keyboard (headless Chromium)${chromium.skipNote}`, () => {
  let session: Session;

  beforeAll(async () => {
    session = await openSession();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('"Compare gradients" sits in the check section, in the same form as its options', async () => {
    const { page } = session;
    const form = await page.$eval('#compare', (button) => {
      const f = (button as HTMLButtonElement).form;
      return { id: f?.id, section: button.closest('section')?.id, hasOptions: ['compare-layers', 'compare-batch', 'compare-seed'].every((id) => f?.contains(document.getElementById(id))) };
    });
    expect(form).toEqual({ id: 'compare-controls', section: 'check-section', hasOptions: true });
    expect(await page.$eval('#train', (b) => b.closest('section')?.id)).toBe('train-section');
  });

  it.each([
    ['check batch', { layers: '784,16,10', batch: 0 }, 'compare-batch', /^check batch: must be an integer ≥ 1, got "0"$/],
    ['check layers', { layers: '784,x,10', batch: 8 }, 'compare-layers', /^check layers: "x" is not a positive integer; expected comma-separated sizes like 784,64,10, got "784,x,10"$/],
    ['check layers', { layers: '784,16,1', batch: 8 }, 'compare-layers', /^check layers: softmax needs at least 2 output classes/],
  ])('a bad %s gives an error naming it in the check section, clears the last result and leaves the training status alone', async (_name, options, field, message) => {
    const { page } = session;
    // A green result first, which the bad input must not leave on screen.
    expect(await runCheck(page, { backend: 'cpu', layers: '784,16,10', batch: 4 })).toBe('pass');
    const trainingStatus = await page.textContent('#status');
    expect(await runCheck(page, { layers: options.layers, batch: options.batch })).toBe('error');
    expect(await page.textContent('#compare-summary')).toMatch(message);
    expect(await page.getAttribute(`#${field}`, 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(field);
    expect(await page.locator('#compare-table tbody tr').count()).toBe(0);
    expect(await page.textContent('#status')).toBe(trainingStatus);
    // Nothing is left running: both buttons work again.
    expect(await page.isDisabled('#compare')).toBe(false);
    expect(await page.isDisabled('#train')).toBe(false);
    // Fixing the field clears the mark.
    await page.fill(`#${field}`, field === 'compare-batch' ? '4' : '784,16,10');
    expect(await page.getAttribute(`#${field}`, 'aria-invalid')).toBeNull();
  });

  it.each([
    ['layer sizes', 'layers', '784,x,10', /^layer sizes: "x" is not a positive integer/],
    ['layer sizes', 'layers', '784,16,3', /^layer sizes: must start with 784 \(pixels\) and end with 10 \(classes\), got 784,16,3$/],
    ['learning rate', 'lr', '0', /^learning rate: must be a positive number, got "0"$/],
    ['epochs', 'epochs', '0', /^epochs: must be an integer ≥ 1, got "0"$/],
    ['batch size', 'batch', '-1', /^batch size: must be an integer ≥ 0, got "-1"$/],
  ])('a bad %s (%s = %s) stops training before it starts, with an error naming the field', async (_label, field, value, message) => {
    const { page } = session;
    await fillTraining(page, { backend: 'cpu', layers: '784,16,10', epochs: 1, batch: 500 });
    await page.fill(`#${field}`, value);
    await page.click('#train');
    expect(await page.getAttribute('#status', 'data-state')).toBe('error');
    expect(await page.textContent('#status')).toMatch(message);
    expect(await page.getAttribute(`#${field}`, 'aria-invalid')).toBe('true');
    expect(await page.isDisabled('#train')).toBe(false);
  });

  it('switching the backend clears a check result from the other backend', async () => {
    const { page } = session;
    expect(await runCheck(page, { backend: 'cpu', layers: '784,16,10', batch: 4 })).toBe('pass');
    expect(await page.locator('#compare-table tbody tr').count()).toBeGreaterThan(0);
    await page.selectOption('#backend', 'wasm');
    expect(await page.getAttribute('#compare-summary', 'data-state')).toBe('idle');
    expect(await page.textContent('#compare-summary')).toMatch(/on wasm\.$/);
    expect(await page.locator('#compare-table tbody tr').count()).toBe(0);
  });

  it('lr 50 diverges: reported as diverged with a warning, never as "Done"', async () => {
    const { page } = session;
    await fillTraining(page, { backend: 'wasm', layers: '784,64,10', epochs: 3, batch: 100, lr: 50 });
    await page.click('#train');
    const state = await waitForRunEnd(page);
    const status = (await page.textContent('#status')) ?? '';
    const warning = (await page.textContent('#warning')) ?? '';
    expect(state, status).toBe('diverged');
    expect(status).toMatch(/^Diverged on wasm/);
    expect(status).not.toMatch(/Done/);
    expect(warning).toMatch(/^Diverged: (train loss \d+\.\d+ is far above ln 10 = 2\.30|the (batch|training) loss became (NaN|Infinity|-Infinity))/);
    expect(warning).toMatch(/learning rate is too large/);
    expect(await page.getAttribute('#warning', 'role')).toBe('alert');
    // This run's steps switch every hidden ReLU off (measured; the run is seeded), so no gradient
    // reaches either layer, and the gradient table says why.
    const manualNorms = await page.$$eval('#norms-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.manual));
    expect(manualNorms).toEqual(['0', '0']);
    expect(await page.textContent('#norms-warning')).toMatch(/^W1, W2 get no gradient at all on the probe batch: every ReLU feeding them is off/);
    await screenshot(page, 'page-diverged.png');
  });

  it('the checker can be cancelled mid-run, showing how far it got, and runs again afterwards', async () => {
    const { page } = session;
    await page.selectOption('#backend', 'cpu');
    await page.fill('#compare-layers', '784,1000,10');
    await page.fill('#compare-batch', '64');
    await page.click('#compare');
    await page.waitForFunction(() => /stage 2 of 2/.test(document.getElementById('compare-summary')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const progress = (await page.textContent('#compare-summary')) ?? '';
    expect(progress).toMatch(/^Checking gradients on cpu… stage 2 of 2: .*; (\d+) rows done\.$/);
    await page.waitForFunction(() => /^[\d.]+ s elapsed$/.test(document.getElementById('compare-timing')?.textContent ?? ''), undefined, { timeout: 5_000 });
    expect(await page.isVisible('#compare-timing')).toBe(true);
    expect(Number(/; (\d+) rows done/.exec(progress)?.[1])).toBeGreaterThan(10);
    expect(await page.isDisabled('#train')).toBe(true);
    expect(await page.isDisabled('#backend')).toBe(true);
    const t0 = Date.now();
    await page.click('#cancel-compare');
    await page.waitForFunction(() => document.getElementById('compare-summary')?.dataset.state === 'cancelled', undefined, { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await page.textContent('#compare-summary')).toMatch(/^Cancelled after [\d.]+ s \(stage 2 of 2, \d+ rows done\); no result\.$/);
    expect(await page.isDisabled('#train')).toBe(false);
    expect(await runCheck(page, { layers: '784,16,10', batch: 4 })).toBe('pass');
  });

  it('status lines are aria-live, and every control is reachable with Tab', async () => {
    const { page } = session;
    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');
    expect(await page.getAttribute('#compare-summary', 'aria-live')).toBe('polite');
    await page.focus('body');
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    for (const id of ['backend', 'layers', 'epochs', 'grad', 'optimizer', 'lr', 'batch', 'seed', 'train', 'compare-layers', 'compare-batch', 'compare-seed', 'compare', 'check-filter', 'check-show']) {
      expect(reached, id).toContain(id);
    }
    // Enter on the focused Train button starts a run, as a click does.
    await fillTraining(page, { backend: 'cpu', layers: '784,8,10', epochs: 1, batch: 500 });
    await page.focus('#train');
    await page.keyboard.press('Enter');
    expect(await waitForRunEnd(page)).toBe('done');
  });
});

describe.skipIf(!chromium.available)(`the page 480 px wide (headless Chromium)${chromium.skipNote}`, () => {
  let session: Session;
  beforeAll(async () => {
    session = await openSession({ viewport: { width: 480, height: 900 } });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('has no sideways scroll, and the charts and their legends fit the screen', async () => {
    const { page } = session;
    await train(page, { backend: 'wasm', layers: '784,16,10', epochs: 2, batch: 250 });
    // The check fills its table (the layout under test); its verdict is the checker's business.
    expect(['pass', 'fail']).toContain(await runCheck(page, { layers: '784,24,10', batch: 8 }));
    expect(await page.locator('#compare-table tbody tr').count()).toBeGreaterThan(30);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    for (const chart of ['#loss-chart', '#acc-chart', '#batch-chart', '#norm-chart']) {
      const boxes = await page.$eval(chart, (el) => {
        const svg = el.querySelector('svg')!.getBoundingClientRect();
        const legends = Array.from(el.querySelectorAll('.role-legend'), (g) => g.getBoundingClientRect());
        return { svg: { left: svg.left, right: svg.right }, legends: legends.map((b) => ({ left: b.left, right: b.right, width: b.width })) };
      });
      expect(boxes.svg.left, chart).toBeGreaterThanOrEqual(0);
      expect(boxes.svg.right, chart).toBeLessThanOrEqual(480);
      for (const legend of boxes.legends) {
        expect(legend.width, chart).toBeGreaterThan(0);
        expect(legend.left, chart).toBeGreaterThanOrEqual(0);
        expect(legend.right, chart).toBeLessThanOrEqual(boxes.svg.right);
      }
    }
    expect(await page.locator('#loss-chart .role-legend').count()).toBe(1);
    await screenshot(page, 'page-480px.png');
    expect(session.consoleErrors).toEqual([]);
  });
});

describe.skipIf(!chromium.available)(`the page in a browser without WebGPU (headless Chromium without --enable-unsafe-webgpu)${chromium.skipNote}`, () => {
  it('says webgpu is not available and why, and does not offer it', async () => {
    const session = await openSession({ webgpu: false });
    try {
      const { page } = session;
      expect(await page.getAttribute('#backend-webgpu', 'data-available')).toBe('false');
      expect(await page.textContent('#backend-webgpu')).toMatch(/^WebGPU is not available: /);
      const option = page.locator('#backend option[value="webgpu"]');
      expect(await option.isDisabled()).toBe(true);
      expect(await option.textContent()).toBe('webgpu (not available)');
      expect(await page.getAttribute('#backend-webgl', 'data-available')).toBe('true');
      expect(session.consoleErrors).toEqual([]);
    } finally {
      await session.close();
    }
  });
});

describe('npm run dev', () => {
  it('prints the URL to open', async () => {
    const port = 20000 + (process.pid % 20000);
    const child = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--strictPort'], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out: string;
    try {
      out = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no URL after 60 s; output: ${text}`)), 60_000);
        const onData = (chunk: Buffer): void => {
          text += chunk.toString();
          // Vite colours the port apart from the rest of the URL when the environment asks for colour.
          if (stripVTControlCharacters(text).includes(`http://127.0.0.1:${port}/`)) {
            clearTimeout(timer);
            resolve(text);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`npm run dev exited with ${code}: ${text}`)));
      });
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
    // Vite's banner line: "➜  Local:   http://127.0.0.1:PORT/".
    expect(stripVTControlCharacters(out)).toMatch(new RegExp(`Local:\\s+http://127\\.0\\.0\\.1:${port}/`));
  });
});

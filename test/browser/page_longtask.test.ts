/**
 * The page stays responsive during the heaviest run it offers: full-batch training of
 * 784-512-256-10 on the cpu backend (about 3 s a step on an idle machine). A PerformanceObserver
 * for 'longtask' records every main-thread task over 50 ms of wall time; none may exceed 200 ms.
 *
 * On a shared 2-core machine (load average 10–20 while other work runs) the OS can hold the
 * page's thread off the CPU in the middle of a short task, which the observer reports as a long
 * one. So a Chrome trace of the same run gives each main-thread task's thread time (CPU time): a
 * wall-clock long task passes only when its thread time shows it was the OS's doing, not the
 * page's work. A page that computes on its main thread (seconds of thread time) fails both ways.
 */
import { availableParallelism, loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailability } from '../helpers/requirements.js';
import { epochRows, fillTraining, openSession, screenshot, waitForRunEnd, type Session } from './page_helpers.js';

const chromium = chromiumAvailability();

/** The longest main-thread task allowed while the worker trains. */
const LONG_TASK_LIMIT_MS = 200;

type LongTaskWindow = Window & { longTasks?: number[] };

/** One task of the page's renderer main thread in a Chrome trace: wall time, thread (CPU) time, what posted it. */
type TraceTask = { wallMs: number; threadMs: number; source: string };

type TraceEvent = { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string; src_func?: string; data?: { frames?: { processId: number; url: string }[] } } };

/** The tasks of the main thread of the renderer showing `url`, from a trace's JSON. */
function mainThreadTasks(trace: Buffer, url: string): TraceTask[] {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const pid = events.flatMap((e) => (e.name === 'TracingStartedInBrowser' ? (e.args?.data?.frames ?? []) : [])).find((f) => f.url.startsWith(url))?.processId;
  const tid = events.find((e) => e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain')?.tid;
  if (pid === undefined || tid === undefined) throw new Error(`the trace has no renderer main thread for ${url}`);
  return events
    .filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.dur !== undefined)
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, threadMs: (e.tdur ?? e.dur ?? 0) / 1000, source: e.args?.src_func ?? '?' }));
}

describe.skipIf(!chromium.available)(`a full-batch 784,512,256,10 run on cpu keeps the page responsive (headless Chromium)${chromium.skipNote}`, () => {
  let session: Session;
  beforeAll(async () => {
    session = await openSession();
    await session.page.evaluate(() => {
      const w = window as LongTaskWindow;
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longTasks!.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
  });
  afterAll(async () => {
    await session?.close();
  });

  const longTasks = (): Promise<number[]> => session.page.evaluate(() => (window as LongTaskWindow).longTasks!.splice(0));

  /** Runs `work` under a trace; returns the observer's long tasks (wall ms) and the traced main-thread tasks. */
  async function measure(work: () => Promise<unknown>): Promise<{ observed: number[]; traced: TraceTask[] }> {
    await longTasks();
    await session.browser.startTracing(session.page, { categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    let trace: Buffer;
    try {
      await work();
      // The task that settled `work` closes its trace event after the reply leaves the page: let it end.
      await session.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    } finally {
      trace = await session.browser.stopTracing();
    }
    // The observer's entries arrive a little after their task.
    await session.page.waitForTimeout(200);
    return { observed: await longTasks(), traced: mainThreadTasks(trace, session.server.url) };
  }

  it('the observer and the trace both see a task of the page that computes for longer than the limit (so they would see a frozen page)', async () => {
    const { observed, traced } = await measure(() =>
      session.page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            // A fixed amount of work (about 0.3–0.5 s of CPU here), in a task of the page's own.
            setTimeout(() => {
              let x = 0;
              for (let i = 0; i < 1.5e8; i++) x = (x + i) % 1000003;
              resolve(x);
            }, 0);
          }),
      ),
    );
    const busiest = traced.reduce((a, b) => (b.threadMs > a.threadMs ? b : a));
    console.info(`a computing task: observer ${Math.max(0, ...observed).toFixed(0)} ms; trace ${busiest.wallMs.toFixed(0)} ms wall, ${busiest.threadMs.toFixed(0)} ms thread`);
    expect(busiest.threadMs).toBeGreaterThan(LONG_TASK_LIMIT_MS);
    expect(Math.max(0, ...observed)).toBeGreaterThanOrEqual(busiest.threadMs);
  });

  it(`trains 2 full-batch epochs with no main-thread task over ${LONG_TASK_LIMIT_MS} ms, updating as it goes`, async () => {
    const { page } = session;
    await fillTraining(page, { backend: 'cpu', layers: '784,512,256,10', epochs: 2, batch: 0 });
    let firstEpochAt = 0;
    const t0 = Date.now();
    const { observed, traced } = await measure(async () => {
      await page.click('#train');
      // The page answers at once: the status changes within the click's own task.
      expect(await page.getAttribute('#status', 'data-state')).toBe('training');
      await page.waitForFunction(() => document.querySelectorAll('#epoch-table tbody tr').length >= 1, undefined, { timeout: 120_000 });
      firstEpochAt = Date.now() - t0;
      expect(await waitForRunEnd(page)).toBe('done');
    });
    const rows = await epochRows(page);
    expect(rows.map((r) => r.epoch)).toEqual([1, 2]);

    const longestWall = Math.max(0, ...observed);
    const longestWork = traced.reduce((a, b) => (b.threadMs > a.threadMs ? b : a), { wallMs: 0, threadMs: 0, source: '' });
    const stretched = traced.filter((t) => t.wallMs > LONG_TASK_LIMIT_MS);
    console.info(
      `full batch 784,512,256,10 on cpu: first epoch row after ${firstEpochAt} ms, run ${Date.now() - t0} ms, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; ` +
        `observer: ${observed.length} main-thread tasks over 50 ms, longest ${longestWall.toFixed(0)} ms; ` +
        `trace: ${traced.length} tasks, most thread time ${longestWork.threadMs.toFixed(0)} ms (${longestWork.source}, wall ${longestWork.wallMs.toFixed(0)} ms)` +
        (stretched.length === 0 ? '' : `; over ${LONG_TASK_LIMIT_MS} ms wall: ${stretched.map((t) => `${t.source} ${t.wallMs.toFixed(0)} ms wall / ${t.threadMs.toFixed(0)} ms thread`).join(', ')}`),
    );
    // The page's own work: no task holds the main thread's CPU for more than the limit.
    expect(longestWork.threadMs).toBeLessThanOrEqual(LONG_TASK_LIMIT_MS);
    // Wall clock, as the observer sees it: within the limit on a machine that is not
    // oversubscribed; on one that is, every task that went over was preempted (its thread time is
    // within the limit, as just checked), and the trace must have seen it.
    if (loadavg()[0] <= availableParallelism()) expect(longestWall).toBeLessThanOrEqual(LONG_TASK_LIMIT_MS);
    else if (longestWall > LONG_TASK_LIMIT_MS) expect(stretched.length, 'the observer saw a long task the trace does not have').toBeGreaterThan(0);
    await screenshot(page, 'page-full-batch-cpu.png');
    expect(session.consoleErrors).toEqual([]);
  });

  it('Stop pressed mid-step ends the run after that step', async () => {
    const { page } = session;
    await fillTraining(page, { backend: 'cpu', layers: '784,512,256,10', epochs: 20, batch: 0 });
    const t0 = Date.now();
    await page.click('#train');
    // Into the second full-batch step, then Stop.
    await page.waitForFunction(() => Number(document.getElementById('progress')?.dataset.step ?? 0) >= 1, undefined, { timeout: 120_000 });
    const firstStepMs = Date.now() - t0;
    await page.waitForTimeout(500);
    await page.click('#stop');
    expect(await waitForRunEnd(page)).toBe('stopped');
    const status = await page.$eval('#status', (e) => ({ ...(e as HTMLElement).dataset }) as Record<string, string>);
    expect(Number(status.stepsAfterStop)).toBeLessThanOrEqual(1);
    console.info(`full batch on cpu: Stop answered in ${status.stopLatencyMs} ms (${status.stepsAfterStop} step ended after it was pressed; the first step took ${firstStepMs} ms)`);
    // Pressed during the second step (each step is an epoch here): the run ends with that epoch
    // at the latest. Its wall time is the rest of that step plus the epoch's evaluation, which on a
    // shared 2-core machine varies too much (3–15 s a step) to bound in seconds.
    expect((await epochRows(page)).length).toBeLessThanOrEqual(2);
  });
});

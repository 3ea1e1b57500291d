/** `npm run compare -- --backend webgl|webgpu|all`: src/checks/checks.ts's runChecks inside headless Chromium. */
import type { CheckOptions, CheckReport } from '../checks/checks.js';
import type { PageBackend } from './protocol.js';
import { forEachPageBackend, pageErrorLine, type PerBackendOptions, type SkippedPageBackend } from './session.js';

/** What one browser backend gave: its report, a reason it could not run (skip), or a check that threw. */
export type BrowserCompareResult =
  | { backend: PageBackend; kind: 'report'; report: CheckReport; seconds: number }
  | SkippedPageBackend
  | { backend: PageBackend; kind: 'error'; message: string };

export type BrowserCompareOptions = PerBackendOptions;

/**
 * Runs every check on each of `backends` in one page session (one Chromium start for all) and
 * returns one result per backend, in order.
 */
export function runCompareInBrowser(backends: PageBackend[], checks: CheckOptions, options: BrowserCompareOptions = {}): Promise<BrowserCompareResult[]> {
  return forEachPageBackend<BrowserCompareResult>(backends, options, async (session, backend) => {
    const started = performance.now();
    try {
      const report = await session.page.evaluate(({ name, o }) => window.handgrad!.compare(name, o), { name: backend, o: checks });
      return { backend, kind: 'report', report, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      return { backend, kind: 'error', message: pageErrorLine(error) };
    }
  });
}

/** `npm run compare -- --backend webgl|webgpu|all`: src/compare/checks.ts's runChecks inside headless Chromium. */
import type { CheckOptions, CheckReport } from '../compare/checks.js';
import type { PageBackend } from './protocol.js';
import { openPageSession, pageErrorLine, usePageBackend, type PageSession } from './session.js';

/** What one browser backend gave: its report, a reason it could not run (skip), or a check that threw. */
export type BrowserCompareResult =
  | { backend: PageBackend; kind: 'report'; report: CheckReport; seconds: number }
  | { backend: PageBackend; kind: 'skipped'; reason: string }
  | { backend: PageBackend; kind: 'error'; message: string };

export type BrowserCompareOptions = {
  log?: (line: string) => void;
  /**
   * compare --backend all: a missing Chromium or a backend the page cannot start (no WebGPU
   * adapter) becomes a 'skipped' result. Otherwise it throws a BackendError (one line, exit 2).
   */
  skipUnavailable?: boolean;
};

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function compareOne(session: PageSession, backend: PageBackend, checks: CheckOptions, options: BrowserCompareOptions): Promise<BrowserCompareResult> {
  const log = options.log ?? stderrLog;
  try {
    log((await usePageBackend(session, backend)).description);
  } catch (error) {
    if (!options.skipUnavailable) throw error;
    return { backend, kind: 'skipped', reason: firstLine(error).replace(/^--backend \w+: /, '') };
  }
  const started = performance.now();
  try {
    const report = await session.page.evaluate(({ name, o }) => window.handgrad!.compare(name, o), { name: backend, o: checks });
    return { backend, kind: 'report', report, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    return { backend, kind: 'error', message: pageErrorLine(error) };
  }
}

/**
 * Runs every check on each of `backends` in one page session (one Chromium start for all) and
 * returns one result per backend, in order.
 */
export async function runCompareInBrowser(backends: PageBackend[], checks: CheckOptions, options: BrowserCompareOptions = {}): Promise<BrowserCompareResult[]> {
  let session: PageSession;
  try {
    session = await openPageSession({ log: options.log ?? stderrLog, backend: backends[0] });
  } catch (error) {
    if (!options.skipUnavailable) throw error;
    const reason = firstLine(error).replace(/^--backend \w+ /, '');
    return backends.map((backend) => ({ backend, kind: 'skipped', reason }));
  }
  try {
    const results: BrowserCompareResult[] = [];
    for (const backend of backends) results.push(await compareOne(session, backend, checks, options));
    if (session.consoleErrors.length > 0) (options.log ?? stderrLog)(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return results;
  } finally {
    await session.close();
  }
}

/** `gradcheck opcheck --backend webgl|webgpu|all`: compare/opcheck.ts on handgrad's kernels inside headless Chromium. */
import type { OpcheckResult } from '../../compare/opcheck.js';
import type { OpcheckRequest, PageBackend } from './protocol.js';
import { openPageSession, pageErrorLine, usePageBackend, type PageSession } from './session.js';

/** What one browser backend gave: one result per kernel, or why it could not run. */
export type BrowserOpcheckResult = { backend: PageBackend; kind: 'results'; results: OpcheckResult[] } | { backend: PageBackend; kind: 'skipped'; reason: string };

export type BrowserOpcheckOptions = {
  log?: (line: string) => void;
  /** --backend all: a missing Chromium or a backend the page cannot start becomes 'skipped'; otherwise a BackendError (one line, exit 2). */
  skipUnavailable?: boolean;
};

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function opcheckOne(session: PageSession, backend: PageBackend, kernels: string[], seed: number, options: BrowserOpcheckOptions): Promise<BrowserOpcheckResult> {
  try {
    (options.log ?? stderrLog)((await usePageBackend(session, backend)).description);
  } catch (error) {
    if (!options.skipUnavailable) throw error;
    return { backend, kind: 'skipped', reason: firstLine(error).replace(/^--backend \w+: /, '') };
  }
  const request: OpcheckRequest = { kernels, backend, seed };
  try {
    return { backend, kind: 'results', results: await session.page.evaluate((r) => window.handgrad!.opcheck(r), request) };
  } catch (error) {
    throw new Error(`opcheck on ${backend} in the page: ${pageErrorLine(error)}`, { cause: error });
  }
}

/**
 * Runs opcheck for `kernels` on each of `backends` in one page session, each against the page's
 * cpu, and returns one entry per backend, in order.
 */
export async function runOpcheckInBrowser(backends: PageBackend[], kernels: string[], seed: number, options: BrowserOpcheckOptions = {}): Promise<BrowserOpcheckResult[]> {
  let session: PageSession;
  try {
    session = await openPageSession({ log: options.log ?? stderrLog, backend: backends[0] });
  } catch (error) {
    if (!options.skipUnavailable) throw error;
    const reason = firstLine(error).replace(/^--backend \w+ /, '');
    return backends.map((backend) => ({ backend, kind: 'skipped', reason }));
  }
  try {
    const results: BrowserOpcheckResult[] = [];
    for (const backend of backends) results.push(await opcheckOne(session, backend, kernels, seed, options));
    if (session.consoleErrors.length > 0) (options.log ?? stderrLog)(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return results;
  } finally {
    await session.close();
  }
}

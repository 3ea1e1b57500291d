/** `gradcheck opcheck --backend webgl|webgpu|all`: gradcheck/opcheck.ts on handgrad's kernels inside headless Chromium. */
import type { OpcheckResult } from '../../gradcheck/opcheck.js';
import type { OpcheckRequest, PageBackend } from './protocol.js';
import { forEachPageBackend, pageErrorLine, type PerBackendOptions, type SkippedPageBackend } from './session.js';

/** What one browser backend gave: one result per kernel, or why it could not run. */
export type BrowserOpcheckResult = { backend: PageBackend; kind: 'results'; results: OpcheckResult[] } | SkippedPageBackend;

export type BrowserOpcheckOptions = PerBackendOptions;

/**
 * Runs opcheck for `kernels` on each of `backends` in one page session, each against the page's
 * cpu, and returns one entry per backend, in order.
 */
export function runOpcheckInBrowser(backends: PageBackend[], kernels: string[], seed: number, options: BrowserOpcheckOptions = {}): Promise<BrowserOpcheckResult[]> {
  return forEachPageBackend(backends, options, async (session, backend) => {
    const request: OpcheckRequest = { kernels, backend, seed };
    try {
      return { backend, kind: 'results' as const, results: await session.page.evaluate((r) => window.handgrad!.opcheck(r), request) };
    } catch (error) {
      throw new Error(`opcheck on ${backend} in the page: ${pageErrorLine(error)}`, { cause: error });
    }
  });
}

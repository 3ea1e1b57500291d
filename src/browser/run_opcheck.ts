/** `gradcheck opcheck --backend webgl`: compare/opcheck.ts on handgrad's kernels inside headless Chromium. */
import type { OpcheckResult } from '../../compare/opcheck.js';
import type { OpcheckRequest } from './protocol.js';
import { describePage, openPageSession } from './session.js';

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Runs opcheck for `kernels` on webgl in the page (against the page's cpu) and returns one result
 * per kernel. A missing Chromium throws ChromiumMissingError (a BackendError: one line, exit 2).
 */
export async function runOpcheckInBrowser(kernels: string[], seed: number, log: (line: string) => void = stderrLog): Promise<OpcheckResult[]> {
  const session = await openPageSession({ log });
  try {
    const info = await session.page.evaluate(() => window.handgrad!.useBackend('webgl'));
    log(describePage(info));
    const request: OpcheckRequest = { kernels, backend: 'webgl', seed };
    const results = await session.page.evaluate((r) => window.handgrad!.opcheck(r), request);
    if (session.consoleErrors.length > 0) log(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return results;
  } finally {
    await session.close();
  }
}

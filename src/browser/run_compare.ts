/** `npm run compare -- --backend webgl`: compare/checks.ts's runChecks inside headless Chromium. */
import type { CheckOptions, CheckReport } from '../compare/checks.js';
import { describePage, openPageSession } from './session.js';

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Runs every check on webgl in the page and returns the report for the CLI's table. A missing
 * Chromium throws ChromiumMissingError (a BackendError), which compare/cli.ts reports with exit 2.
 */
export async function runCompareInBrowser(options: CheckOptions, log: (line: string) => void = stderrLog): Promise<CheckReport> {
  const session = await openPageSession({ log });
  try {
    const info = await session.page.evaluate(() => window.handgrad!.useBackend('webgl'));
    log(describePage(info));
    const report = await session.page.evaluate((o) => window.handgrad!.compare('webgl', o), options);
    if (session.consoleErrors.length > 0) log(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return report;
  } finally {
    await session.close();
  }
}

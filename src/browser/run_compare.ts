/** `npm run compare -- --backend webgl`: compare/checks.ts's runChecks inside headless Chromium. */
import type { CheckOptions, CheckReport } from '../../compare/checks.js';
import { ChromiumMissingError } from './chromium.js';
import { describePage, openPageSession } from './session.js';

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/** Runs every check on webgl in the page and returns the report for the CLI's table. */
export async function compareInBrowser(options: CheckOptions, log: (line: string) => void = stderrLog): Promise<CheckReport> {
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

/**
 * The compare CLI's seam. compare/cli.ts exits 1 on errors it does not know, so a missing
 * Chromium is reported here, as one line with the install command, with exit status 2.
 */
export async function runCompareInBrowser(options: CheckOptions): Promise<CheckReport> {
  try {
    return await compareInBrowser(options);
  } catch (error) {
    if (error instanceof ChromiumMissingError) {
      process.stderr.write(`compare: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

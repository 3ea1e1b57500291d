/** The "compare gradients" button: compare/checks.ts's runChecks on the page's backend, as a table. */
import { DEFAULT_CHECK_OPTIONS, runChecks, type CheckOptions, type CheckReport } from '../src/compare/checks.js';
import type { PageBackend } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';
import { formatTable } from '../src/compare/table.js';

export type PageCompareReport = { report: CheckReport; table: string; allPass: boolean; summary: string };

/** Runs every check on `backend` (runChecks is synchronous: the page is busy until it returns). */
export async function compareOnBackend(backend: PageBackend, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Promise<CheckReport> {
  await useBackend(backend);
  // Let the page paint its "running" state before the synchronous checks take the thread.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return runChecks(options);
}

export async function runCompareOnPage(backend: PageBackend, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Promise<PageCompareReport> {
  const report = await compareOnBackend(backend, options);
  const failed = report.checks.filter((row) => !row.pass).length;
  const allPass = failed === 0;
  const summary = allPass
    ? `all ${report.checks.length} checks pass on ${report.backend}`
    : `${failed} of ${report.checks.length} checks FAIL on ${report.backend}`;
  return { report, table: formatTable(report), allPass, summary };
}

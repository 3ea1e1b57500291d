/**
 * Text tables and JSON for gradcheck, gradgradcheck and opcheck results, in the style of
 * `npm run compare`: one table per result (or per backend), one JSON object per line.
 */
import type { CheckRow } from './rows.js';
import type { GradcheckResult } from './result.js';
import type { OpcheckResult } from './opcheck.js';

const num = (v: number | undefined): string => (v === undefined ? '' : Number.isFinite(v) ? v.toExponential(2) : String(v));

/** A table of check rows under a title, with a summary line; columns without data are left out. */
export function formatRows(title: string, rows: CheckRow[], seconds?: number): string {
  const hasEstimate = rows.some((r) => r.errorEstimate !== undefined);
  const header = ['name', 'kind', 'max abs err', 'max rel err', ...(hasEstimate ? ['err est'] : []), 'tol', 'result', 'checked', 'failing / note'];
  // A row with tol 0 over one item is a verdict (registered, no leaks…): no numbers to show.
  const verdict = (r: CheckRow): boolean => r.tol === 0 && r.total === 1 && r.errorEstimate === undefined;
  const body = rows.map((r) => [
    r.name,
    r.kind,
    verdict(r) ? '—' : num(r.maxAbsErr),
    verdict(r) ? '—' : num(r.maxRelErr),
    ...(hasEstimate ? [num(r.errorEstimate)] : []),
    verdict(r) ? '—' : r.tol === 0 ? '0' : r.tol.toExponential(1),
    r.pass ? 'pass' : 'FAIL',
    r.checked === r.total ? String(r.total) : `${r.checked}/${r.total}`,
    [r.failing, r.note].filter((s) => s !== undefined && s !== '').join('; '),
  ]);
  const numeric = new Set(['max abs err', 'max rel err', 'err est', 'tol']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (numeric.has(header[i]) ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const failed = rows.filter((r) => !r.pass).length;
  const summary = `${title}: ${rows.length} checks, ${failed === 0 ? 'all pass' : `${failed} FAILED`}${seconds === undefined ? '' : ` (${seconds.toFixed(1)} s)`}`;
  return [`== ${title} ==`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), summary].join('\n');
}

export function formatGradcheck(result: GradcheckResult, seconds?: number): string {
  const table = formatRows(result.name, result.rows, seconds);
  const extra = result.error === undefined ? [] : [`error: ${result.error}`];
  const usage = `${result.evaluations} evaluations of the function, ${result.backwardPasses} backward pass(es)`;
  return [table, ...extra, usage].join('\n');
}

/** One JSON line: the whole structured result. */
export function gradcheckJson(result: GradcheckResult): string {
  return JSON.stringify(result);
}

/** One table per backend. */
export function formatOpcheck(result: OpcheckResult): string {
  return result.backends.map((b) => formatRows(`${result.kernel} on ${b.backend}`, b.checks)).join('\n\n');
}

/** One JSON line per backend, as `npm run compare --json`: {backend, kernel, pass, checks}. */
export function opcheckJson(result: OpcheckResult): string[] {
  return result.backends.map((b) => JSON.stringify({ backend: b.backend, kernel: result.kernel, pass: b.pass, checks: b.checks }));
}

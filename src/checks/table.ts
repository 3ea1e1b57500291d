/** Formats a CheckReport as a text table (pure string work, usable in a web page too). */
import type { CheckReport } from './checks.js';

const num = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : String(v));

export function formatTable(report: CheckReport, seconds?: number): string {
  const header = ['name', 'kind', 'max abs err', 'max rel err', 'tol', 'result', 'checked'];
  const body = report.checks.map((r) => [r.name, r.kind, num(r.maxAbsErr), num(r.maxRelErr), r.tol === 0 ? '0' : r.tol.toExponential(0), r.pass ? 'pass' : 'FAIL', r.checked === r.total ? String(r.total) : `${r.checked}/${r.total}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const failed = report.checks.filter((r) => !r.pass).length;
  const summary = `${report.backend}: ${report.checks.length} checks, ${failed === 0 ? 'all pass' : `${failed} FAILED`}${seconds === undefined ? '' : ` (${seconds.toFixed(1)} s)`}`;
  return [`== ${report.backend} ==`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), summary].join('\n');
}

/** The --json line: {backend, checks: [{name, kind, maxAbsErr, maxRelErr, tol, pass, checked, total}]}. */
export function formatJson(report: CheckReport): string {
  return JSON.stringify({ backend: report.backend, checks: report.checks });
}

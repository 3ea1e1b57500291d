/** The check table as text, one row per CheckRow. */
import type { CheckReport } from '../compare/checks.js';

function num(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

export function formatCheckTable(report: CheckReport): string {
  const header = ['check', 'comparison', 'max abs err', 'max rel err', 'tol', 'checked', 'result'];
  const rows = report.checks.map((r) => [r.name, r.kind, num(r.maxAbsErr), num(r.maxRelErr), num(r.tol), `${r.checked}/${r.total}`, r.pass ? 'PASS' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`backend: ${report.backend}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

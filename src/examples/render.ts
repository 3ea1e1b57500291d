/** Text and JSON renderings of the examples' results. */
import type { ExampleRow, ExampleTask, Value } from './types.js';

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(8)));
}

/** Scalars as numbers, shapes as the homework writes tuples "(32, 1024)", matrices by size. */
export function formatValue(value: Value): string {
  if (typeof value === 'number') return formatNumber(value);
  if (isMatrix(value)) return `${value.length}×${value[0].length} matrix`;
  return `(${(value).map(formatNumber).join(', ')})`;
}

function formatError(row: ExampleRow): string {
  if (row.tolerance === 0) return row.match ? 'exact' : 'differs';
  return row.maxError.toExponential(1);
}

function isMatrix(value: Value): value is readonly (readonly number[])[] {
  return typeof value !== 'number' && value.length > 0 && typeof value[0] !== 'number';
}

/** For a matrix row: each column's first row of values and each column's own error. */
function matrixDetail(row: ExampleRow): string[] {
  if (!isMatrix(row.expected)) return [];
  const firstRow = (v: Value | undefined): string => (v !== undefined && isMatrix(v) ? `(${v[0].map(formatNumber).join(', ')})` : '');
  const columns: [string, Value | undefined, string | undefined][] = [
    ['expected', row.expected, undefined],
    ['manual', row.manual, 'manual'],
    ...Object.entries(row.autodiff).map(([r, v]): [string, Value, string] => [`autodiff (${r})`, v, `autodiff ${r}`]),
    ['finite diff (float64)', row.finiteDifference, 'finiteDifference'],
  ];
  const width = Math.max(...columns.map(([name]) => name.length));
  return [
    `    ${row.quantity}, row 0:`,
    ...columns
      .filter(([, v]) => v !== undefined)
      .map(([name, v, key]) => `      ${name.padEnd(width)}  ${firstRow(v)}${key === undefined ? '' : `  max error over the matrix ${row.errors[key].toExponential(1)}`}`),
  ];
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function taskLines(task: ExampleTask): string[] {
  const routes = [...new Set(task.rows.flatMap((r) => Object.keys(r.autodiff)))];
  const hasFd = task.rows.some((r) => r.finiteDifference !== undefined);
  const header = ['quantity', 'expected', 'manual', ...routes.map((r) => `autodiff (${r})`), ...(hasFd ? ['finite diff (float64)'] : []), 'max error', 'result'];
  const body = task.rows.map((row) => [
    row.quantity,
    formatValue(row.expected),
    formatValue(row.manual),
    ...routes.map((r) => (row.autodiff[r] === undefined ? '' : formatValue(row.autodiff[r]))),
    ...(hasFd ? [row.finiteDifference === undefined ? '' : formatValue(row.finiteDifference)] : []),
    formatError(row),
    row.match ? 'match' : 'MISMATCH',
  ]);
  const inputs = Object.entries(task.inputs).map(([k, v]) => `${k} = ${typeof v === 'string' ? v : formatValue(v)}`);
  return [
    `${task.task}  ${task.title}`,
    `    inputs: ${inputs.join('; ')}`,
    `    tolerance: ${task.tolerance}`,
    ...table(header, body).map((l) => `    ${l}`),
    ...task.rows.flatMap(matrixDetail),
  ];
}

export function renderText(tasks: readonly ExampleTask[], backend: string): string {
  const rows = tasks.flatMap((t) => t.rows);
  const mismatches = rows.filter((r) => !r.match);
  const summary =
    mismatches.length === 0
      ? `all ${rows.length} rows match`
      : `${mismatches.length} of ${rows.length} rows MISMATCH: ${mismatches.map((r) => `${r.task} ${r.quantity}`).join('; ')}`;
  return [`hw4 worked examples on backend ${backend}`, '', ...tasks.flatMap((t) => [...taskLines(t), '']), summary].join('\n');
}

/** One JSON object: {backend, match, tasks: [{task, title, inputs, tolerance, rows: [{task, quantity, expected, manual, autodiff, …, match}]}]}. */
export function renderJson(tasks: readonly ExampleTask[], backend: string): string {
  const match = tasks.every((t) => t.rows.every((r) => r.match));
  return JSON.stringify({ backend, match, tasks });
}

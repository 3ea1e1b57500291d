/**
 * The audit as text (the command's table), as JSON, and as the published Markdown report: one row
 * per op × order × backend, a summary of what is wrong, and a reproduction per wrong gradient.
 */
import type { AuditResult, AuditRow, Diagnosis } from './result.js';
import { FOLLOWS_FROM_FIRST, showValue } from './text.js';

const orderName = (order: 1 | 2): string => (order === 1 ? '1st' : '2nd');

/** "tanh" from "tf.tanh(x)", the op name users know; composite ops keep their call. */
const opName = (row: Pick<AuditRow, 'kernel' | 'call'>): string => (row.kernel.startsWith('op:') ? row.kernel.slice(3) : row.kernel);

function verdict(row: AuditRow): string {
  switch (row.status) {
    case 'pass':
      return 'pass';
    case 'fail':
      return `FAIL: ${row.diagnosis ?? ''}`;
    case 'throws':
      return 'throws';
    case 'missing':
      return 'missing';
    case 'unconfirmed':
      return 'UNCONFIRMED (audit flaw)';
  }
}

/** The kernel named in "gradient function not found for X." (what a second derivative needs and tfjs lacks). */
function missingGradient(detail: string | undefined): string | undefined {
  return /gradient function not found for (\w+)/.exec(detail ?? '')?.[1];
}

interface Group {
  key: string;
  rows: AuditRow[];
}

/** A second order that fails only because the first order already does. */
const followsFromFirst = (row: AuditRow): boolean => row.order === 2 && (row.detail ?? '').includes(FOLLOWS_FROM_FIRST);

/** Failures grouped by op, call and order, across backends (first backend first). */
function failureGroups(result: AuditResult): Group[] {
  const groups = new Map<string, AuditRow[]>();
  for (const row of result.rows.filter((r) => r.status === 'fail' && !followsFromFirst(r))) {
    const key = `${row.kernel}|${row.call}|${row.order}|${row.diagnosis ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups].map(([key, rows]) => ({ key, rows }));
}

function countLine(result: AuditResult): string {
  const total = result.kernelsWithGradient.length;
  const pct = total === 0 ? 0 : (100 * result.covered.length) / total;
  const subset = result.subset ? ' (a subset: --op)' : '';
  return `coverage: ${result.covered.length} of ${total} kernels with a registered gradient (${pct.toFixed(0)} %) run through their public op on ${result.referenceBackend}${subset}`;
}

function statusCounts(result: AuditResult): string {
  const counts = new Map<string, number>();
  for (const row of result.rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** The command's text output: one line per case × order with a column per backend, then the findings. */
export function formatAudit(result: AuditResult): string {
  const backends = [...new Set(result.rows.map((r) => r.backend))];
  const keys = [...new Set(result.rows.map((r) => `${r.kernel}|${r.call}|${r.order}`))];
  const table = [['op', 'call', 'order', ...backends, 'note']];
  for (const key of keys) {
    const rows = result.rows.filter((r) => `${r.kernel}|${r.call}|${r.order}` === key);
    const first = rows[0];
    const note = rows.find((r) => r.status !== 'pass');
    table.push([opName(first), first.call, orderName(first.order), ...backends.map((b) => verdict(rows.find((r) => r.backend === b) ?? ({ status: 'pass' } as AuditRow)).split(':')[0]), note === undefined ? '' : `${note.diagnosis ?? ''}${note.detail === undefined ? '' : `: ${note.detail}`}`.slice(0, 160)]);
  }
  const lines = [`== tfjs ${result.tfjsVersion} gradient audit on ${backends.join(', ')} (${result.date}) ==`, ...pad(table), ''];
  for (const group of failureGroups(result)) {
    const row = group.rows[0];
    lines.push(`${opName(row)} · ${row.call} · ${orderName(row.order)} order on ${group.rows.map((r) => r.backend).join(', ')}: ${row.diagnosis}${row.detail === undefined ? '' : ` — ${row.detail}`}`);
    for (const f of row.failures) lines.push(`  ${f.quantity} [${f.coordinate.join(',')}]: tfjs ${showValue(f.tfjs)}, ${f.referenceKind} ${showValue(f.reference)}${f.referenceError === undefined ? '' : ` ± ${f.referenceError.toExponential(1)}`}`);
    if (row.confirmation !== undefined) lines.push(`  confirmed: ${row.confirmation}`);
    if (row.reproduction !== undefined) lines.push(...row.reproduction.split('\n').map((l) => `  | ${l}`));
  }
  const unconfirmed = result.rows.filter((r) => r.status === 'unconfirmed');
  if (unconfirmed.length > 0) {
    lines.push('', `UNCONFIRMED — flaws of the audit, not findings (${unconfirmed.length}):`);
    for (const row of unconfirmed) lines.push(`  ${opName(row)} · ${row.call} · ${orderName(row.order)} on ${row.backend}: ${row.detail ?? ''}`);
  }
  lines.push('', countLine(result));
  if (result.leftOut.length > 0) lines.push(`left out (${result.leftOut.length}):`, ...result.leftOut.map((l) => `  ${l.kernel}: ${l.reason}`));
  lines.push(`kernels without a registered gradient on ${result.referenceBackend}: ${result.noGradient.length} (--json lists them with reasons)`);
  lines.push(`${result.rows.length} rows: ${statusCounts(result)}; ${result.seconds.toFixed(1)} s`);
  return lines.join('\n');
}

export function auditJson(result: AuditResult): string {
  return JSON.stringify(result);
}

const DIAGNOSIS_TEXT: Record<Diagnosis, string> = {
  'wrong second derivative (saved output detached)':
    "the gradient reads the op's saved output y, which is a constant on the tape, so differentiating the gradient again misses every term through y: tfjs's second derivative with respect to the input is 0 (and `tf.grad(tf.grad(f))` throws \"Cannot compute gradient of y=f(x) with respect to x\"), while the upstream-gradient part is right",
  'wrong second derivative': "tfjs's second derivative disagrees with the float64 reference or with differences of tfjs's own first derivative",
  'wrong first derivative': "tfjs's gradient disagrees with the float64 reference and with fp32 differences, coordinate by coordinate (or has the wrong shape)",
  'NaN/Inf where the derivative is finite': 'tfjs returns NaN or ±Infinity where the derivative is finite',
  'wrong forward value': "the op's own output disagrees with its float64 twin",
  'backend disagreement': 'the backend computes a different value than cpu for the same quantity at the same point',
  'gradient throws': 'the gradient throws',
  'kernel missing on the backend': 'a kernel the op or its gradient runs is not registered on the backend',
};

const mdEscape = (text: string): string => text.replace(/\|/g, '\\|');

/** The published report (docs/tfjs-audit.md): dated, with the tfjs version. */
export function auditMarkdown(result: AuditResult, command: string): string {
  const backends = [...new Set(result.rows.map((r) => r.backend))];
  const out: string[] = [
    `# Gradients of TensorFlow.js ${result.tfjsVersion}, audited`,
    '',
    `Generated on ${result.date} by \`${command}\` (handgrad's checker, \`auditTfjs\` in \`handgrad/gradcheck\`), tfjs ${result.tfjsVersion}, backends: ${backends.join(', ')}; ${result.seconds.toFixed(0)} s.`,
    '',
    ...Object.entries(result.environments ?? {}).flatMap(([backend, where]) => [`- ${backend}: ${where}`]),
    ...(result.environments === undefined ? [] : ['']),
    'Every kernel with a registered gradient is run through its public op (`tf.<op>`) on small seeded inputs whose domains keep finite differences away from poles, branch cuts, kinks and jumps. Each case runs **gradcheck** (first order: fp32 finite differences with a measured error estimate, every coordinate) and **gradgradcheck** (second order: the gradient of the gradient, with respect to the input and to the upstream gradient dy). Where the op has a float64 twin, tfjs\'s first and second derivatives are also compared, coordinate by coordinate, with Richardson-extrapolated float64 differences of the twin (tolerance fp32~f64); without a twin, a failure is re-checked coordinate by coordinate. A failure is reported only when both checks agree; on backends other than cpu, forward values and derivatives are also compared with cpu (fp32~fp32).',
    '',
    `${countLine(result)}; ${result.rows.length} rows: ${statusCounts(result)}.`,
    '',
    '## What is wrong',
    '',
  ];
  const groups = failureGroups(result);
  const byDiagnosis = new Map<string, Group[]>();
  for (const g of groups) byDiagnosis.set(g.rows[0].diagnosis ?? '', [...(byDiagnosis.get(g.rows[0].diagnosis ?? '') ?? []), g]);
  for (const [diagnosis, gs] of byDiagnosis) {
    const ops = gs.map((g) => `\`${g.rows[0].call}\` (${orderName(g.rows[0].order)} order${backends.length > 1 ? `; ${g.rows.map((r) => r.backend).join(', ')}` : ''})`);
    out.push(`- **${diagnosis}** — ${DIAGNOSIS_TEXT[diagnosis as Diagnosis] ?? ''}: ${ops.join(', ')}.`);
  }
  const throwing = result.rows.filter((r) => r.status === 'throws');
  if (throwing.length > 0) {
    // missing gradient → op and order → backends
    const needs = new Map<string, Map<string, string[]>>();
    for (const row of throwing) {
      const kernel = missingGradient(row.detail) ?? row.detail ?? '';
      const label = `\`${opName(row)}\` (${orderName(row.order)}`;
      const ops = needs.get(kernel) ?? new Map<string, string[]>();
      ops.set(label, [...(ops.get(label) ?? []), row.backend]);
      needs.set(kernel, ops);
    }
    out.push(`- **gradient throws** — the derivative cannot be taken at all; at second order because the gradient runs a kernel that has no gradient of its own:`);
    for (const [kernel, ops] of needs) {
      const list = [...ops].map(([label, on]) => `${label}${backends.length > 1 ? `; ${on.join(', ')}` : ''})`);
      out.push(`  - ${/^\w+$/.test(kernel) ? `no gradient for \`${kernel}\`` : mdEscape(kernel)}: ${list.join(', ')}`);
    }
  }
  const missing = result.rows.filter((r) => r.status === 'missing');
  if (missing.length > 0) out.push(`- **kernel missing on the backend**: ${[...new Set(missing.map((r) => `\`${opName(r)}\` on ${r.backend} (${(/Kernel '(\w+)'/.exec(r.detail ?? '') ?? [])[1] ?? 'op'})`))].join(', ')}.`);
  const unconfirmed = result.rows.filter((r) => r.status === 'unconfirmed');
  out.push('', unconfirmed.length === 0 ? 'No unconfirmed failure: every failure below is confirmed by its float64 reference or by per-coordinate re-checks.' : `${unconfirmed.length} unconfirmed row(s): flaws of the audit, listed in the table, not findings about tfjs.`);

  out.push('', '## Wrong gradients, one by one', '');
  for (const g of groups) {
    const row = g.rows[0];
    out.push(`### \`${row.call}\` — ${orderName(row.order)} order: ${row.diagnosis}`, '');
    out.push(`Kernel \`${row.kernel.replace(/^op:/, '')}\`; fails on ${g.rows.map((r) => r.backend).join(', ')}.${row.detail === undefined ? '' : ` ${mdEscape(row.detail)}.`}`, '');
    if (row.failures.length > 0) {
      out.push('| quantity | coordinate | tfjs | reference | reference kind |', '|---|---|---|---|---|');
      for (const f of row.failures) out.push(`| ${f.quantity} | [${f.coordinate.join(', ')}] | ${showValue(f.tfjs)} | ${showValue(f.reference)}${f.referenceError === undefined ? '' : ` ± ${f.referenceError.toExponential(1)}`} | ${f.referenceKind} |`);
      out.push('');
    }
    if (row.confirmation !== undefined) out.push(`Confirmed: ${row.confirmation}.`, '');
    if (row.reproduction !== undefined) out.push('```js', row.reproduction, '```', '');
  }

  out.push('## Every check', '', '| op (kernel) | call | order | backend | result | detail | s |', '|---|---|---|---|---|---|---|');
  for (const row of result.rows) out.push(`| ${opName(row)} | \`${mdEscape(row.call)}\` | ${orderName(row.order)} | ${row.backend} | ${verdict(row)} | ${mdEscape(row.detail ?? '')} | ${row.seconds.toFixed(2)} |`);

  out.push('', '## Left out', '');
  if (result.leftOut.length === 0) out.push('Nothing.');
  for (const l of result.leftOut) out.push(`- \`${l.kernel}\`: ${l.reason}`);
  out.push('', `## Kernels on ${result.referenceBackend} without a registered gradient (${result.noGradient.length})`, '');
  const byReason = new Map<string, string[]>();
  for (const n of result.noGradient) byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), n.kernel]);
  for (const [reason, kernels] of byReason) out.push(`- ${reason}: ${kernels.map((k) => `\`${k}\``).join(', ')}`);
  out.push('');
  return out.join('\n');
}

/** The benchmark's results as plain data, and their text table. */

export interface TimingRow {
  /** "numpy" or a tfjs backend name. */
  backend: string;
  /** "manual" | "autodiff" | "homework code" */
  grads: string;
  rows: number;
  epochs: number;
  medianMs: number;
  /** Fastest timed epoch: on a shared machine the least disturbed one. */
  minMs: number;
  gflops: number;
  /** medianMs / numpy's median over the same rows in the same block; null without numpy. */
  vsNumpy: number | null;
  /** Largest tf.memory().numTensors growth over one epoch (0 means no leak); null for numpy. */
  tensorsPerEpoch: number | null;
  finalLoss: number;
  note?: string;
}

export interface SkipRow {
  backend: string;
  reason: string;
}

export interface CompareTiming {
  backend: string;
  seconds: number;
  checks: number;
  failed: number;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; loadBefore: number[]; loadAfter: number[]; env: Record<string, string> };
  workload: { rows: number; layers: number[]; optimizer: string; gflopPerEpoch: number };
  numpy: string | null;
  native: string | null;
  timings: TimingRow[];
  skipped: SkipRow[];
  compare: CompareTiming[];
  homework: { backend: string; epochs: number; seconds: number; finalLoss: number } | { skipped: string } | null;
  peakRssMiB: { node: number; numpy: number | null };
  best: { backend: string; grads: string; vsNumpy: number } | null;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function formatTable(report: BenchReport): string {
  const lines: string[] = [];
  const { machine, workload } = report;
  lines.push(`Workload W: ${workload.rows}×${workload.layers[0]} → ${workload.layers.slice(1).join(' → ')}, full batch, ${workload.optimizer}; ${(workload.gflopPerEpoch / 1e9).toFixed(2)} GFLOP per epoch (6·N·Σ in·out)`);
  lines.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${machine.loadAfter.map((l) => l.toFixed(1)).join(' ')} after`);
  if (Object.keys(machine.env).length > 0) lines.push(`Environment: ${Object.entries(machine.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`Baseline: ${report.numpy ?? 'none'}${report.native ? `; native: ${report.native}` : ''}`);
  lines.push('');
  const header = ['backend', 'grads', 'rows', 'epochs', 'median ms', 'best ms', 'GFLOP/s', '× numpy', 'tensors/epoch', 'loss'];
  const widths = [10, 13, 6, 6, 10, 8, 8, 8, 13, 7];
  lines.push(header.map((h, i) => pad(h, widths[i], i >= 2)).join('  '));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of report.timings) {
    const cells = [
      row.backend,
      row.grads,
      String(row.rows),
      String(row.epochs),
      fixed(row.medianMs, 1),
      fixed(row.minMs, 1),
      fixed(row.gflops, 1),
      row.vsNumpy === null ? '—' : `${row.vsNumpy.toFixed(2)}×`,
      row.tensorsPerEpoch === null ? '—' : String(row.tensorsPerEpoch),
      fixed(row.finalLoss, 3),
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i], i >= 2)).join('  ') + (row.note ? `  ${row.note}` : ''));
  }
  for (const skip of report.skipped) lines.push(`${pad(skip.backend, widths[0])}  skipped: ${skip.reason}`);
  lines.push('GFLOP/s and × numpy use the medians; × numpy divides by the numpy median of the same block (same shapes, interleaved epochs; numpy draws its own data and weights).');
  lines.push('');
  if (report.best) lines.push(`Best handgrad backend: ${report.best.backend} (${report.best.grads}) at ${report.best.vsNumpy.toFixed(2)}× numpy's epoch time (target ≤ 1.20×)`);
  for (const c of report.compare) {
    lines.push(`compare (runChecks, 784→1000→10, batch 64) on ${c.backend}: ${c.seconds.toFixed(1)} s, ${c.checks} checks, ${c.failed === 0 ? 'all pass' : `${c.failed} FAILED`}`);
  }
  if (report.homework) {
    lines.push(
      'skipped' in report.homework
        ? `Homework setting: skipped (${report.homework.skipped})`
        : `Homework setting (${report.homework.epochs} full-batch momentum epochs of W, manual grads) on ${report.homework.backend}: ${report.homework.seconds.toFixed(1)} s, final loss ${report.homework.finalLoss.toFixed(4)}`,
    );
  }
  lines.push(`Peak RSS: node ${report.peakRssMiB.node.toFixed(0)} MiB (all backends in one process)${report.peakRssMiB.numpy === null ? '' : `, numpy ${report.peakRssMiB.numpy.toFixed(0)} MiB`}`);
  return lines.join('\n');
}

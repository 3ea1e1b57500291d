/** The benchmark's results as plain data, and their text table. */
import type { SplitsMetrics } from '../src/train/loop.js';

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

/** Loss (mean CE) and accuracy of one epoch on the three splits (numpy's are measured as handgrad's). */
export type HomeworkMetrics = SplitsMetrics;

/** One side (handgrad or numpy) of the homework run. */
export interface HomeworkSide {
  epochs: number;
  /** Σ over chunks: handgrad, wall time around trainEpochs; numpy, step + evaluation time measured inside Python. */
  seconds: number;
  /** Σ of the epochs' training-step time (handgrad: EpochMetrics.seconds). */
  trainSeconds: number;
  /** Σ of the epochs' evaluation time on train/valid/test (handgrad: EpochMetrics.evalSeconds). */
  evalSeconds: number;
  chunkSeconds: number[];
  /** Train loss per epoch (full batch: at the parameters before that epoch's update). */
  trainLosses: number[];
  first: HomeworkMetrics;
  last: HomeworkMetrics;
}

export interface HomeworkRun {
  backend: string;
  data: string;
  sizes: { train: number; valid: number; test: number };
  layers: number[];
  optimizer: string;
  epochs: number;
  /** Epochs per interleaved chunk (handgrad chunk, then numpy chunk, …). */
  chunkEpochs: number;
  handgrad: HomeworkSide;
  numpy: HomeworkSide | null;
  /** handgrad.seconds / numpy.seconds; null without numpy. */
  ratio: number | null;
  trainRatio: number | null;
  evalRatio: number | null;
  /** max over epochs of |handgrad − numpy| train loss (same data and initial parameters: fp32 rounding, amplified over the epochs); null without numpy. */
  maxTrainLossDiff: number | null;
  /** handgrad / numpy seconds of each chunk pair: how much the ratio moves with the machine's load. */
  chunkRatios: { median: number; min: number; max: number } | null;
  /** toTensorData on the three splits, once per run. */
  uploadSeconds: number;
  /** uploadSeconds + handgrad.seconds scaled to the homework's 200 epochs: what `npm run train` spends, less start-up, reading the file and checkpoints. */
  projectedTrainSeconds: number;
  /** tf.memory().numTensors before the first chunk and after the last, and the largest growth after any chunk. */
  tensors: { before: number; after: number; maxChunkGrowth: number };
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; loadBefore: number[]; loadAfter: number[]; env: Record<string, string> };
  workload: { rows: number; layers: number[]; optimizer: string; gflopPerEpoch: number };
  numpy: string | null;
  native: string | null;
  timings: TimingRow[];
  skipped: SkipRow[];
  compare: CompareTiming[];
  homework: HomeworkRun | { skipped: string } | null;
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
    if ('skipped' in report.homework) lines.push(`Homework setting: skipped (${report.homework.skipped})`);
    else lines.push('', ...formatHomework(report.homework), '');
  }
  lines.push(`Peak RSS: node ${report.peakRssMiB.node.toFixed(0)} MiB (all backends in one process)${report.peakRssMiB.numpy === null ? '' : `, numpy ${report.peakRssMiB.numpy.toFixed(0)} MiB`}`);
  return lines.join('\n');
}

const ratioText = (ratio: number | null): string => (ratio === null ? '—' : `${ratio.toFixed(2)}×`);

export function formatHomework(run: HomeworkRun): string[] {
  const { sizes } = run;
  const lines = [
    `Homework setting on ${run.backend}: ${run.epochs} epochs of ${run.layers.join(' → ')}, full batch, ${run.optimizer}, manual grads`,
    `  data: ${run.data}`,
    `  per epoch one step on ${sizes.train} train rows, then loss + accuracy on train (the step's own forward pass), ${sizes.valid} valid and ${sizes.test} test rows;`,
    `  handgrad's trainEpochs and numpy's homework loop interleaved in chunks of ${run.chunkEpochs} epochs`,
  ];
  const header = ['side', 'epochs', 'total s', 'train s', 'eval s', '× numpy', 'train loss first → last', 'valid acc', 'test acc'];
  const widths = [8, 6, 8, 8, 7, 8, 23, 9, 8];
  lines.push(header.map((h, i) => pad(h, widths[i], i >= 1)).join('  '));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  const sides: [string, HomeworkSide | null, number | null][] = [['handgrad', run.handgrad, run.ratio], ['numpy', run.numpy, run.numpy ? 1 : null]];
  for (const [name, side, ratio] of sides) {
    if (!side) {
      lines.push(`${pad(name, widths[0])}  skipped (numpy not available)`);
      continue;
    }
    const cells = [
      name,
      String(side.epochs),
      fixed(side.seconds, 1),
      fixed(side.trainSeconds, 1),
      fixed(side.evalSeconds, 1),
      ratioText(ratio),
      `${fixed(side.first.trainLoss, 3)} → ${fixed(side.last.trainLoss, 3)}`,
      `${fixed(side.last.validAcc * 100, 1)} %`,
      `${fixed(side.last.testAcc * 100, 1)} %`,
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i], i >= 1)).join('  '));
  }
  if (run.chunkRatios) {
    lines.push(
      `handgrad / numpy: total ${ratioText(run.ratio)} (training ${ratioText(run.trainRatio)}, evaluation ${ratioText(run.evalRatio)}); ` +
        `per chunk median ${ratioText(run.chunkRatios.median)}, range ${ratioText(run.chunkRatios.min)}–${ratioText(run.chunkRatios.max)}`,
    );
  }
  if (run.maxTrainLossDiff !== null) {
    lines.push(`Same data and initial parameters on both sides: the train losses differ by at most ${run.maxTrainLossDiff.toExponential(1)} over the ${run.epochs} epochs`);
  }
  lines.push(
    `Tensors: ${run.tensors.before} before the first chunk, ${run.tensors.after} after the last (largest growth after a chunk: ${run.tensors.maxChunkGrowth})`,
    `Projected \`npm run train\` with the homework's flags on ${run.backend}: ${run.projectedTrainSeconds.toFixed(1)} s ` +
      `(tensor upload ${run.uploadSeconds.toFixed(2)} s + ${run.epochs === 200 ? 'the 200 epochs as measured' : `${run.epochs} measured epochs scaled to 200`}; ` +
      'excludes process start-up, reading the .npz and checkpoints)',
  );
  return lines;
}

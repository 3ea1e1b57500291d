/** The benchmark's results as plain data, and their text tables. */
import type { SplitsMetrics } from '../src/train/loop.js';
import type { JobReport } from './job.js';
import type { PythonVersions } from './python_server.js';
import { PEER_DESCRIPTIONS, peerSkipText, type PeerName, type PeerSkip } from './peers.js';
import type { Spread } from './stats.js';

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
  /** The PyTorch and JAX peers that ran beside handgrad, chunk by chunk (the peers section); empty elsewhere. */
  peers: PeerHomeworkRun[];
}

/** One peer (bench/peers.ts) in the homework setting: its chunks after handgrad's (and numpy's) same chunks. */
export interface PeerHomeworkRun {
  peer: string;
  framework: string;
  /** Seconds compiling: before the first chunk, plus jax-scan's compile for each new chunk length; null for an eager peer. */
  compileSeconds: number | null;
  /** Why the peer stopped (its chunks so far are kept), or null. */
  failed: string | null;
  epochs: number;
  /** Σ of the chunks' wall seconds measured inside Python (compilation excluded). */
  seconds: number;
  chunkSeconds: number[];
  /** handgrad's seconds over the same chunks / the peer's; null when it ran none. */
  ratio: number | null;
  chunkRatios: Spread | null;
  /** max over epochs of |handgrad − peer| train loss. */
  maxTrainLossDiff: number | null;
  last: HomeworkMetrics | null;
}

/** One speed target: a ratio, its limit (must) and goal (should), and whether this run meets them. */
export interface TargetRow {
  name: string;
  /** The measured ratio; null when the section or backend did not run. */
  value: number | null;
  limit: number;
  goal: number | null;
  status: 'goal met' | 'met' | 'not met' | 'not measured';
  /** How the value was measured (what it is a median of, its spread). */
  detail: string;
}

/** Peak resident set size (VmHWM) of each side's own process for one section child. */
export interface RssRow {
  section: SectionName;
  backend: string;
  handgradMiB: number;
  numpyMiB: number | null;
}

export type SectionName = 'job' | 'w' | 'homework' | 'peers';
export type PassName = 'pinned' | 'unpinned';

export interface WSection {
  workload: { rows: number; layers: number[]; optimizer: string; gflopPerEpoch: number };
  timings: TimingRow[];
  compare: CompareTiming[];
  best: { backend: string; grads: string; vsNumpy: number } | null;
}

export interface JobSection {
  /** The default job as `npm run train` runs it with no flags. */
  description: { layers: number[]; optimizer: string; grad: string; batchSize: number; epochs: number; sizes: { train: number; valid: number; test: number } };
  runs: JobReport[];
}

/** The peers section: handgrad on one backend against numpy and the PyTorch and JAX peers, in the default job and the homework setting. */
export interface PeersSection {
  backend: string;
  /** The default job with numpy and the peers beside it (JobReport.peers); null when not run. */
  job: JobReport | null;
  /** The homework setting with numpy and the peers beside it (HomeworkRun.peers); null when not run. */
  homework: HomeworkRun | null;
  /** Peers that could not start here: one row per reason (a missing module names it). */
  skipped: PeerSkip[];
}

/** One pass over the chosen sections: the environment as found (pinned), or with the OpenBLAS pin unset in the children (unpinned). */
export interface PassReport {
  pass: PassName;
  /** OPENBLAS_* (and the thread variables) as the section children saw them. */
  env: Record<string, string>;
  note: string;
  /** The kernel OpenBLAS picked on each side (openblas_get_corename). */
  blasCore: { numpy: string | null; native: string | null };
  /** numpy's OpenBLAS threads (openblas_get_num_threads). */
  numpyThreads: number | null;
  numpy: string | null;
  native: string | null;
  job: JobSection | null;
  w: WSection | null;
  homework: HomeworkRun | { skipped: string } | null;
  peers: PeersSection | null;
  skipped: SkipRow[];
  rss: RssRow[];
  targets: TargetRow[];
}

export interface BenchReport {
  /** When the run ended (ISO 8601, UTC), and the flags it was given. */
  generated: string;
  argv: string[];
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    /** The distribution's name (/etc/os-release) and the kernel. */
    os: string;
    node: string;
    /** The bench's Python and its numpy, torch and jax; null without Python. */
    python: PythonVersions | null;
    loadBefore: number[];
    loadAfter: number[];
    /** Least and greatest 1-minute load average seen before and after each section's process. */
    loadRange: [number, number];
    env: Record<string, string>;
  };
  sections: SectionName[];
  /** --numpy-threads (OPENBLAS_NUM_THREADS for numpy's processes), or null for numpy's default. */
  numpyThreads: number | null;
  passes: PassReport[];
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function table(header: string[], widths: number[], rows: string[][], rightFrom: number): string[] {
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i >= rightFrom)).join('  ').trimEnd();
  return [line(header), widths.map((w, i) => '-'.repeat(w || header[i].length)).join('  '), ...rows.map(line)];
}

/** "0.93× (goal ≤ 0.70×: not met; limit ≤ 1.00×: met)" style text for a target. */
export function targetText(target: TargetRow | undefined): string {
  if (!target) return '';
  const goal = target.goal === null ? '' : `, goal ≤ ${target.goal.toFixed(2)}×`;
  return `[target ≤ ${target.limit.toFixed(2)}×${goal}: ${target.status}]`;
}

export function spreadText(s: Spread | null): string {
  if (!s) return '—';
  return `${s.median.toFixed(2)}× (IQR ${s.q1.toFixed(2)}–${s.q3.toFixed(2)}, range ${s.min.toFixed(2)}–${s.max.toFixed(2)}, n ${s.n})`;
}

export function formatTable(report: BenchReport): string {
  const { machine } = report;
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ` +
      `${machine.loadAfter.map((l) => l.toFixed(1)).join(' ')} after (1-minute: ${machine.loadRange[0].toFixed(1)}–${machine.loadRange[1].toFixed(1)} over the run)`,
  );
  lines.push(`Environment: ${Object.keys(machine.env).length > 0 ? Object.entries(machine.env).map(([k, v]) => `${k}=${v}`).join(' ') : 'no OPENBLAS_* variables'}${report.numpyThreads === null ? '' : `; numpy's processes with OPENBLAS_NUM_THREADS=${report.numpyThreads} (--numpy-threads)`}`);
  const [, loadMax] = machine.loadRange;
  if (loadMax > machine.cores) {
    lines.push(
      `WARNING: the machine was oversubscribed (1-minute load up to ${loadMax.toFixed(1)} on ${machine.cores} cores). Multi-threaded BLAS on small products (numpy's, ` +
        'one thread per core) then slows down far more than single-threaded code, so the ratios flatter handgrad; rerun when the machine is quiet, or compare with --numpy-threads 1.',
    );
  }
  lines.push('Every section runs in its own node process beside its own numpy process (peak RSS is each side\'s own); the two sides alternate epoch by epoch (chunks for the homework setting), so both see the same machine load.');
  for (const pass of report.passes) lines.push('', ...formatPass(pass));
  return lines.join('\n');
}

export function formatPass(pass: PassReport): string[] {
  const lines: string[] = [];
  const target = (name: string) => pass.targets.find((t) => t.name === name);
  lines.push(`=== ${pass.pass === 'pinned' ? 'Pass 1: environment as found' : 'Pass 2: OpenBLAS unpinned'} — ${pass.note}`);
  lines.push(
    `OpenBLAS kernel: numpy ${pass.blasCore.numpy ?? '—'}${pass.numpyThreads === null ? '' : ` (${pass.numpyThreads} threads)`}, handgrad native ${pass.blasCore.native ?? '—'}; ` +
      `${pass.numpy ?? 'numpy not available'}${pass.native ? `; native: ${pass.native}` : ''}`,
  );
  for (const skip of pass.skipped) lines.push(`${skip.backend}: skipped (${skip.reason})`);
  if (pass.job) lines.push('', ...formatJob(pass.job, target));
  if (pass.w) lines.push('', ...formatW(pass.w, target));
  if (pass.homework) {
    lines.push('');
    if ('skipped' in pass.homework) lines.push(`Homework setting: skipped (${pass.homework.skipped})`);
    else lines.push(...formatHomework(pass.homework, target(`homework ${pass.homework.backend}`)));
  }
  if (pass.peers) lines.push('', ...formatPeers(pass.peers));
  if (pass.rss.length > 0) {
    lines.push('', 'Peak RSS (VmHWM of each side\'s own process):');
    lines.push(
      ...table(
        ['section', 'backend', 'handgrad MiB', 'numpy MiB', '× numpy'],
        [9, 12, 12, 9, 8],
        pass.rss.map((r) => [r.section, r.backend, fixed(r.handgradMiB, 0), fixed(r.numpyMiB, 0), r.numpyMiB ? `${(r.handgradMiB / r.numpyMiB).toFixed(2)}×` : '—']),
        2,
      ),
    );
  }
  lines.push('', 'Targets (same run, this machine):');
  lines.push(
    ...table(
      ['target', 'measured', 'limit', 'goal', 'status', 'how'],
      [26, 8, 6, 6, 12, 0],
      pass.targets.map((t) => [t.name, t.value === null ? '—' : `${t.value.toFixed(2)}×`, `${t.limit.toFixed(2)}×`, t.goal === null ? '—' : `${t.goal.toFixed(2)}×`, t.status, t.detail]),
      1,
    ),
  );
  return lines;
}

export function formatJob(job: JobSection, target: (name: string) => TargetRow | undefined): string[] {
  const d = job.description;
  const lines = [
    `Default job (\`npm run train\` with no flags): ${d.sizes.train} train / ${d.sizes.valid} valid / ${d.sizes.test} test rows of MNIST, ${d.layers.join(' → ')}, ` +
      `${d.grad} grads, ${d.optimizer}, batch ${d.batchSize}, ${d.epochs} epochs, loss + accuracy on all three splits every epoch.`,
    "handgrad's trainEpochs and numpy's JobRun (bench/numpy_reference.py) on the same rows, initial parameters and batch order, epoch by epoch; ratios are per epoch (the first is warm-up, left out of the spread).",
  ];
  const rows = job.runs.map((run) => {
    const t = target(`default job ${run.backend}`);
    return [
      run.backend,
      run.subset === null ? 'default job' : `${run.sizes.train}/${run.sizes.valid}/${run.sizes.test} rows`,
      String(run.epochs),
      fixed(run.handgrad.medianSeconds, 2),
      run.numpy ? fixed(run.numpy.medianSeconds, 2) : '—',
      fixed(run.handgrad.stepsPerSecond, 0),
      run.numpy ? fixed(run.numpy.stepsPerSecond, 0) : '—',
      run.ratio ? `${run.ratio.median.toFixed(2)}×` : '—',
      run.ratio ? `${run.ratio.min.toFixed(2)}–${run.ratio.max.toFixed(2)}` : '—',
      run.trainRatio ? `${run.trainRatio.median.toFixed(2)}×` : '—',
      run.evalRatio ? `${run.evalRatio.median.toFixed(2)}×` : '—',
      run.maxTrainLossDiff === null ? '—' : run.maxTrainLossDiff.toExponential(1),
      `${run.tensors.before}→${run.tensors.after}`,
      t ? targetText(t) : '',
    ];
  });
  lines.push(
    ...table(
      ['backend', 'rows', 'epochs', 'handgrad s', 'numpy s', 'steps/s', 'np st/s', '× numpy', 'range', 'train ×', 'eval ×', 'max |Δloss|', 'tensors', 'target'],
      [12, 18, 6, 10, 7, 7, 7, 7, 11, 7, 6, 11, 7, 0],
      rows,
      2,
    ),
  );
  lines.push('seconds are per-epoch medians (steps + evaluation); × numpy is the median of the per-epoch ratios; max |Δloss| is the largest train-loss difference after any epoch; tensors: tf.memory().numTensors before the first epoch → after the last.');
  if (job.runs.some((run) => run.backend === 'native dense')) {
    lines.push(
      "native dense: the same run with HANDGRAD_NATIVE_SPARSE=0, every product through dense BLAS as numpy's; native skips the exact zeros of the first layer's input (X·W and Xᵀ·G; 81 % of MNIST's pixels are 0). Its target is the native row's.",
    );
  }
  if (job.runs.some((run) => run.backend === 'native sgemm')) {
    lines.push('native sgemm: the same run on a second build of the addon with HANDGRAD_NATIVE_BLAS=none (handgrad\'s own sgemm, what a machine without OpenBLAS builds); native links OpenBLAS.');
  }
  for (const run of job.runs) {
    if (run.subset !== null) lines.push(`${run.backend}: ${run.subset}`);
    if (run.ratio) lines.push(`${run.backend}: per-epoch ratio ${spreadText(run.ratio)}; per-epoch ratios ${run.perEpoch.map((e) => (e.ratio === null ? '—' : e.ratio.toFixed(2))).join(' ')}`);
    lines.push(`${run.backend}: after epoch ${run.epochs} valid / test accuracy handgrad ${fixed(run.handgrad.last.validAcc * 100, 2)} % / ${fixed(run.handgrad.last.testAcc * 100, 2)} %${run.numpy ? `, numpy ${fixed(run.numpy.last.validAcc * 100, 2)} % / ${fixed(run.numpy.last.testAcc * 100, 2)} %` : ''}`);
  }
  return lines;
}

export function formatW(w: WSection, target: (name: string) => TargetRow | undefined): string[] {
  const { workload } = w;
  const lines = [`Workload W: ${workload.rows}×${workload.layers[0]} → ${workload.layers.slice(1).join(' → ')}, full batch, ${workload.optimizer}; ${(workload.gflopPerEpoch / 1e9).toFixed(2)} GFLOP per epoch (6·N·Σ in·out)`];
  const rows = w.timings.map((row) => {
    const t = row.backend === 'native' && row.grads === 'manual' ? target('W native manual') : row.backend === 'native' && row.grads === 'autodiff' ? target('W autodiff vs manual') : undefined;
    return [
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
      [row.note ?? '', t ? `${t.name === 'W autodiff vs manual' ? `autodiff/manual ${fixed(t.value, 2)}× ` : ''}${targetText(t)}` : ''].filter((x) => x !== '').join('; '),
    ];
  });
  lines.push(...table(['backend', 'grads', 'rows', 'epochs', 'median ms', 'best ms', 'GFLOP/s', '× numpy', 'tensors/epoch', 'loss', ''], [10, 13, 6, 6, 10, 8, 8, 8, 13, 7, 0], rows, 2));
  lines.push('GFLOP/s and × numpy use the medians; × numpy divides by the numpy median of the same block (same shapes, interleaved epochs; numpy draws its own data and weights).');
  if (w.best) lines.push(`Best handgrad backend on W: ${w.best.backend} (${w.best.grads}) at ${w.best.vsNumpy.toFixed(2)}× numpy's epoch time`);
  for (const c of w.compare) {
    lines.push(`compare (runChecks, 784→1000→10, batch 64) on ${c.backend}: ${c.seconds.toFixed(1)} s, ${c.checks} checks, ${c.failed === 0 ? 'all pass' : `${c.failed} FAILED`}`);
  }
  return lines;
}

const ratioText = (ratio: number | null): string => (ratio === null ? '—' : `${ratio.toFixed(2)}×`);

export function formatHomework(run: HomeworkRun, target?: TargetRow): string[] {
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
        `per chunk median ${ratioText(run.chunkRatios.median)}, range ${ratioText(run.chunkRatios.min)}–${ratioText(run.chunkRatios.max)}` +
        (target ? ` ${targetText(target)}` : ''),
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

const describePeer = (name: string): string => PEER_DESCRIPTIONS[name as PeerName] ?? name;

/** The peers section's tables: handgrad / peer per epoch (default job) and per chunk (homework setting), each peer's compile time apart. */
export function formatPeers(section: PeersSection): string[] {
  const lines = [`Peers: handgrad ${section.backend} against numpy, PyTorch and JAX (bench/peers_reference.py), the same rows, initial parameters and batch order on every side:`];
  for (const name of new Set([...(section.job?.peers ?? []), ...(section.homework?.peers ?? [])].map((p) => p.peer))) lines.push(`  ${name}: ${describePeer(name)}`);
  for (const skip of section.skipped) lines.push(`peers: ${peerSkipText(skip)}`);
  const { job, homework } = section;
  if (job) {
    lines.push(
      '',
      `Default job (${job.sizes.train}/${job.sizes.valid}/${job.sizes.test} rows, ${job.layers.join(' → ')}, ${job.optimizer}, batch ${job.batchSize}, ${job.epochs} epochs): ` +
        'after each handgrad epoch, numpy and each peer run the same epoch; × is handgrad s / that side\'s s per epoch, median over the epochs after the first.',
    );
    const rows: string[][] = [];
    if (job.numpy) {
      rows.push(['numpy', '—', fixed(job.numpy.medianSeconds, 2), fixed(job.numpy.medianTrainSeconds, 2), fixed(job.handgrad.medianSeconds, 2), ratioCell(job.ratio), rangeCell(job.ratio), ratioCell(job.trainRatio), expCell(job.maxTrainLossDiff), pctCell(job.numpy.last.validAcc)]);
    }
    for (const peer of job.peers) {
      rows.push([
        peer.peer,
        fixed(peer.compileSeconds, 1),
        fixed(peer.summary?.medianSeconds ?? null, 2),
        fixed(peer.summary?.medianTrainSeconds ?? null, 2),
        fixed(job.handgrad.medianSeconds, 2),
        ratioCell(peer.ratio),
        rangeCell(peer.ratio),
        ratioCell(peer.trainRatio),
        expCell(peer.maxTrainLossDiff),
        pctCell(peer.perEpoch.at(-1)?.metrics.validAcc ?? null),
      ]);
    }
    lines.push(...table(['side', 'compile s', 's/epoch', 'train s', 'handgrad s', 'handgrad ×', 'range', 'train ×', 'max |Δloss|', 'valid acc'], [13, 9, 7, 7, 10, 10, 11, 7, 11, 9], rows, 1));
    for (const peer of job.peers) {
      lines.push(`${peer.peer}: ${peer.framework}; per-epoch ratios ${peer.ratios.map((r) => r.toFixed(2)).join(' ')}${peer.failed ? `; FAILED after ${peer.perEpoch.length} epochs: ${peer.failed}` : ''}`);
    }
    lines.push(`handgrad ${job.backend}: valid accuracy ${pctCell(job.handgrad.last.validAcc)} after epoch ${job.epochs}; max |Δloss| is the largest train-loss difference from handgrad's after any epoch.`);
  }
  if (homework) {
    lines.push(
      '',
      `Homework setting (${homework.sizes.train}/${homework.sizes.valid}/${homework.sizes.test} rows, ${homework.layers.join(' → ')}, full batch, ${homework.optimizer}, ${homework.epochs} epochs in chunks of ${homework.chunkEpochs}): ` +
        '× is handgrad s / that side\'s s over the same chunks (compilation apart).',
    );
    const rows: string[][] = [];
    if (homework.numpy) {
      rows.push(['numpy', '—', String(homework.numpy.epochs), fixed(homework.numpy.seconds, 2), fixed(homework.handgrad.seconds, 2), ratioCell(homework.ratio), homework.chunkRatios ? `${homework.chunkRatios.min.toFixed(2)}–${homework.chunkRatios.max.toFixed(2)}` : '—', expCell(homework.maxTrainLossDiff), pctCell(homework.numpy.last.validAcc)]);
    }
    for (const peer of homework.peers) {
      const ours = homework.handgrad.chunkSeconds.slice(0, peer.chunkSeconds.length).reduce((a, b) => a + b, 0);
      rows.push([peer.peer, fixed(peer.compileSeconds, 1), String(peer.epochs), fixed(peer.seconds, 2), fixed(ours, 2), ratioCell(peer.ratio), rangeCell(peer.chunkRatios), expCell(peer.maxTrainLossDiff), pctCell(peer.last?.validAcc ?? null)]);
    }
    lines.push(...table(['side', 'compile s', 'epochs', 'total s', 'handgrad s', 'handgrad ×', 'chunk range', 'max |Δloss|', 'valid acc'], [13, 9, 6, 7, 10, 10, 11, 11, 9], rows, 1));
    for (const peer of homework.peers.filter((p) => p.failed !== null)) lines.push(`${peer.peer}: FAILED after ${peer.epochs} epochs: ${peer.failed}`);
  }
  return lines;
}

function ratioCell(value: Spread | number | null): string {
  if (value === null) return '—';
  return `${(typeof value === 'number' ? value : value.median).toFixed(2)}×`;
}

function rangeCell(value: Spread | null): string {
  return value === null || value.n === 0 ? '—' : `${value.min.toFixed(2)}–${value.max.toFixed(2)}`;
}

function expCell(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toExponential(1);
}

function pctCell(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(2)} %`;
}

/**
 * `npm run bench -- --write-docs`: the run's report as a Markdown page (docs/benchmarks.md), generated from
 * the report itself — dated, with the machine and the environment it ran in — and written atomically.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { atomicWriteFile, FileSystemError } from '../src/train/atomic.js';
import { PEER_DESCRIPTIONS, peerSkipText, type PeerName } from './peers.js';
import type { BenchReport, HomeworkRun, PassReport, PeersSection } from './report.js';
import type { Spread } from './stats.js';

/** "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-…" from /etc/os-release and the kernel. */
export function operatingSystem(): string {
  let name = os.type();
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (match) name = match[1];
  } catch {
    // not Linux, or no os-release: the kernel's name alone
  }
  return `${name}, ${os.type()} ${os.release()} ${os.arch()}`;
}

/** Throws a one-line FileSystemError naming `path` when the page could not be written there. */
export function checkPageWritable(path: string): void {
  const dir = dirname(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new FileSystemError(path, new Error(`${dir} is not a folder`), 'cannot write the benchmark page');
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch (error) {
    throw new FileSystemError(path, error, 'cannot write the benchmark page');
  }
}

export function writeBenchmarksPage(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  atomicWriteFile(path, benchmarksPage(report));
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** A Markdown table; the columns after the first are right-aligned (numbers) unless `left`. */
function mdTable(header: string[], rows: string[][], left = false): string[] {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map((_, i) => (i === 0 || left ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

const num = (value: number | null | undefined, digits: number): string => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));
const times = (value: number | null | undefined): string => (value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`);
const range = (s: Spread | null): string => (s === null || s.n === 0 ? '—' : `${s.min.toFixed(2)}–${s.max.toFixed(2)}`);
const exp = (value: number | null): string => (value === null || !Number.isFinite(value) ? '—' : value.toExponential(1));
const pct = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)} %`);

function machineSection(report: BenchReport): string[] {
  const { machine } = report;
  const py = machine.python;
  const envText = Object.entries(machine.env).map(([k, v]) => `${k}=${v}`).join(' ');
  return [
    '## Machine',
    '',
    ...mdTable(
      ['machine', ''],
      [
        ['CPU', `${machine.cpu}, ${machine.cores} cores`],
        ['memory', `${machine.memoryGiB} GiB`],
        ['OS', machine.os],
        ['Node', machine.node],
        ['Python', py ? `${py.python}; numpy ${py.numpy ?? 'not installed'}, torch ${py.torch ?? 'not installed'}, jax ${py.jax ?? 'not installed'}` : 'not found'],
        ['environment', envText === '' ? 'no OPENBLAS_* or thread variables set' : envText],
        ['numpy threads', report.numpyThreads === null ? "numpy's default (one per core)" : `OPENBLAS_NUM_THREADS=${report.numpyThreads} (--numpy-threads)`],
        ['load', `1-minute load average ${machine.loadRange[0].toFixed(1)}–${machine.loadRange[1].toFixed(1)} over the run (${machine.cores} cores)`],
      ],
      true,
    ),
    ...(machine.loadRange[1] > machine.cores
      ? ['', `**The machine was oversubscribed** (1-minute load up to ${machine.loadRange[1].toFixed(1)} on ${machine.cores} cores): multi-threaded BLAS and OpenMP sides (numpy, PyTorch) slow down far more than the others then, so these ratios are not those of a quiet machine.`]
      : []),
  ];
}

function jobSection(pass: PassReport): string[] {
  const job = pass.job;
  if (!job) return [];
  const d = job.description;
  return [
    `### Default job vs numpy`,
    '',
    `\`npm run train\` with no flags: ${d.sizes.train} MNIST rows, ${d.layers.join(' → ')}, ${d.optimizer}, batch ${d.batchSize}, ${d.epochs} epochs, evaluation on all three splits every epoch. ` +
      "numpy (bench/numpy_reference.py) trains the same network from the same rows, initial parameters and batch order, alternating epoch by epoch; × numpy is the median per-epoch ratio handgrad / numpy after the first epoch.",
    '',
    ...mdTable(
      ['backend', 'rows', 'handgrad s/epoch', 'numpy s/epoch', '× numpy', 'range', 'training ×', 'evaluation ×', 'max Δ train loss', 'valid acc'],
      job.runs.map((run) => [
        run.backend,
        run.subset === null ? String(run.sizes.train) : `${run.sizes.train} (subset)`,
        num(run.handgrad.medianSeconds, 2),
        num(run.numpy?.medianSeconds, 2),
        times(run.ratio?.median),
        range(run.ratio),
        times(run.trainRatio?.median),
        times(run.evalRatio?.median),
        exp(run.maxTrainLossDiff),
        pct(run.handgrad.last.validAcc),
      ]),
    ),
  ];
}

function wSection(pass: PassReport): string[] {
  const w = pass.w;
  if (!w) return [];
  return [
    '### Workload W (full batch)',
    '',
    `${w.workload.rows}×${w.workload.layers[0]} → ${w.workload.layers.slice(1).join(' → ')}, ${w.workload.optimizer}, one full-batch step per epoch; ${(w.workload.gflopPerEpoch / 1e9).toFixed(2)} GFLOP per epoch (6·N·Σ in·out). × numpy divides by the numpy median of the same block.`,
    '',
    ...mdTable(
      ['backend', 'grads', 'rows', 'median ms', 'GFLOP/s', '× numpy'],
      w.timings.map((t) => [t.backend, t.grads, String(t.rows), num(t.medianMs, 1), num(t.gflops, 1), times(t.vsNumpy)]),
    ),
  ];
}

function homeworkSection(pass: PassReport): string[] {
  const run = pass.homework;
  if (!run) return [];
  if ('skipped' in run) return ['### Homework setting', '', `Skipped: ${run.skipped}.`];
  return [
    `### Homework setting on ${run.backend}`,
    '',
    `${run.epochs} full-batch epochs of ${run.layers.join(' → ')}, ${run.optimizer}, evaluation every epoch; ${run.data}; chunks of ${run.chunkEpochs} epochs alternate.`,
    '',
    ...mdTable(
      ['side', 'total s', 'training s', 'evaluation s', '× numpy', 'chunk range', 'valid acc'],
      [
        ['handgrad', num(run.handgrad.seconds, 1), num(run.handgrad.trainSeconds, 1), num(run.handgrad.evalSeconds, 1), times(run.ratio), run.chunkRatios ? `${run.chunkRatios.min.toFixed(2)}–${run.chunkRatios.max.toFixed(2)}` : '—', pct(run.handgrad.last.validAcc)],
        ...(run.numpy ? [['numpy', num(run.numpy.seconds, 1), num(run.numpy.trainSeconds, 1), num(run.numpy.evalSeconds, 1), '1.00×', '—', pct(run.numpy.last.validAcc)]] : []),
      ],
    ),
  ];
}

function peersHomework(run: HomeworkRun): string[] {
  const rows = run.numpy
    ? [['numpy', '—', String(run.numpy.epochs), num(run.numpy.seconds, 2), times(run.ratio), run.chunkRatios ? `${run.chunkRatios.min.toFixed(2)}–${run.chunkRatios.max.toFixed(2)}` : '—', exp(run.maxTrainLossDiff), '']]
    : [];
  for (const peer of run.peers) {
    rows.push([peer.peer, num(peer.compileSeconds, 1), String(peer.epochs), num(peer.seconds, 2), times(peer.ratio), range(peer.chunkRatios), exp(peer.maxTrainLossDiff), peer.failed ? `FAILED: ${peer.failed}` : '']);
  }
  return [
    '',
    `Homework setting: ${run.epochs} full-batch epochs of ${run.layers.join(' → ')} (${run.sizes.train}/${run.sizes.valid}/${run.sizes.test} rows), ${run.optimizer}, in chunks of ${run.chunkEpochs}; handgrad ${num(run.handgrad.seconds, 2)} s in all. handgrad × is handgrad's time over the same chunks / that side's.`,
    '',
    ...mdTable(['side', 'compile s', 'epochs', 'total s', 'handgrad ×', 'chunk range', 'max Δ train loss', 'note'], rows),
  ];
}

function peersSection(section: PeersSection | null): string[] {
  if (!section) return [];
  const lines = ['### Peers: PyTorch and JAX', '', `handgrad on ${section.backend} against numpy and each peer (bench/peers_reference.py), the same rows, initial parameters and batch order on every side; after each handgrad epoch, each side runs the same epoch. Compilation is timed apart, before the first epoch.`, ''];
  const names = new Set([...(section.job?.peers ?? []), ...(section.homework?.peers ?? [])].map((p) => p.peer));
  for (const name of names) lines.push(`- **${name}**: ${PEER_DESCRIPTIONS[name as PeerName] ?? name}`);
  for (const skip of section.skipped) lines.push(`- ${peerSkipText(skip)}`);
  const job = section.job;
  if (job) {
    const rows = job.numpy ? [['numpy', '—', num(job.numpy.medianSeconds, 2), num(job.handgrad.medianSeconds, 2), times(job.ratio?.median), range(job.ratio), times(job.trainRatio?.median), exp(job.maxTrainLossDiff), '']] : [];
    for (const peer of job.peers) {
      rows.push([peer.peer, num(peer.compileSeconds, 1), num(peer.summary?.medianSeconds, 2), num(job.handgrad.medianSeconds, 2), times(peer.ratio?.median), range(peer.ratio), times(peer.trainRatio?.median), exp(peer.maxTrainLossDiff), peer.failed ? `FAILED: ${peer.failed}` : peer.framework]);
    }
    lines.push(
      '',
      `Default job: ${job.sizes.train} rows, ${job.layers.join(' → ')}, ${job.optimizer}, batch ${job.batchSize}, ${job.epochs} epochs. handgrad × is the median per-epoch ratio handgrad s / that side's s after the first epoch (below 1: handgrad is faster); training × counts the steps only.`,
      '',
      ...mdTable(['side', 'compile s', 's/epoch', 'handgrad s/epoch', 'handgrad ×', 'range', 'training ×', 'max Δ train loss', 'note'], rows),
    );
  }
  if (section.homework) lines.push(...peersHomework(section.homework));
  return lines;
}

function targetsSection(pass: PassReport): string[] {
  return [
    '### Targets',
    '',
    ...mdTable(
      ['target', 'measured', 'limit', 'goal', 'status'],
      pass.targets.map((t) => [t.name, times(t.value), `${t.limit.toFixed(2)}×`, t.goal === null ? '—' : `${t.goal.toFixed(2)}×`, t.status]),
    ),
  ];
}

/** The page: what generated it and when, the machine, then each pass's tables. */
export function benchmarksPage(report: BenchReport): string {
  const when = report.generated.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- ${report.argv.join(' ')}\` on ${when}. This page is written by the bench (\`--write-docs\`); rerun it rather than editing the tables.`,
    '',
    'Every ratio is handgrad\'s time over the other side\'s, both measured in the same run and interleaved epoch by epoch (chunks of epochs in the homework setting), so both sides saw the same machine load; absolute times from a shared machine are not comparable across runs.',
    '',
    ...machineSection(report),
  ];
  for (const pass of report.passes) {
    lines.push('', `## ${pass.pass === 'pinned' ? 'Environment as found' : 'OpenBLAS unpinned'}`, '', `${pass.note}. ${pass.numpy ?? 'numpy not available'}${pass.native ? `; native: ${pass.native}` : ''}.`);
    for (const skip of pass.skipped) lines.push('', `- ${skip.backend}: skipped (${skip.reason})`);
    for (const part of [jobSection(pass), wSection(pass), homeworkSection(pass), peersSection(pass.peers), targetsSection(pass)]) if (part.length > 0) lines.push('', ...part);
  }
  return `${lines.join('\n')}\n`;
}

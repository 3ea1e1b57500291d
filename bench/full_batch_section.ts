/**
 * Workload W (bench/workload.ts) on the active backend: manual and autodiff full-batch epochs, each timed
 * epoch interleaved with a numpy epoch on the same rows, so both see the same machine load and each ratio
 * uses the numpy median of its own block.
 */
import { runChecks, DEFAULT_CHECK_OPTIONS } from '../src/checks/checks.js';
import type { NumpyBaseline } from './numpy.js';
import type { CompareTiming, TimingRow } from './report.js';
import { median } from './stats.js';
import { WORKLOAD_W, disposeData, epochRunner, flopsPerEpoch, makeData, type EpochSample } from './workload.js';

/** Pause between a numpy epoch and a handgrad epoch, so that the other process's idle BLAS threads stop spinning. */
const GAP_MS = 150;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WOptions {
  backend: string;
  /** The first `rows` rows of W (the slow backends run a subset; numpy then too). */
  rows: number;
  /** Timed epochs (after warm-up). */
  epochs: number;
  seed: number;
}

/** Times `options.epochs` manual and autodiff epochs of W on the active backend; numpy's epochs alternate with them. */
export async function timeW(options: WOptions, numpy: NumpyBaseline | null, progress: (message: string) => void): Promise<TimingRow[]> {
  const { layers } = WORKLOAD_W;
  const { backend, rows, epochs, seed } = options;
  const slow = rows < WORKLOAD_W.rows;
  const warmup = slow ? 1 : 2;
  if (numpy) await numpy.workload(WORKLOAD_W, seed);
  const data = makeData(rows, layers, seed);
  const runners = { manual: epochRunner(WORKLOAD_W, 'manual', data, seed), autodiff: epochRunner(WORKLOAD_W, 'autodiff', data, seed) };
  const samples: Record<'manual' | 'autodiff', EpochSample[]> = { manual: [], autodiff: [] };
  const numpyMs: number[] = [];
  let numpyLoss = NaN;
  try {
    for (let i = 0; i < warmup; i++) {
      runners.manual.epoch();
      runners.autodiff.epoch();
      if (numpy) await numpy.epoch(rows);
    }
    for (let i = 0; i < epochs; i++) {
      if (numpy) {
        await sleep(GAP_MS);
        const epoch = await numpy.epoch(rows);
        numpyMs.push(epoch.ms);
        numpyLoss = epoch.loss;
      }
      for (const grads of ['manual', 'autodiff'] as const) {
        await sleep(GAP_MS);
        samples[grads].push(runners[grads].epoch());
      }
      progress(`  ${backend} W epoch ${i + 1}/${epochs}: manual ${samples.manual.at(-1)?.ms.toFixed(0)} ms, autodiff ${samples.autodiff.at(-1)?.ms.toFixed(0)} ms${numpy ? `, numpy ${numpyMs.at(-1)?.toFixed(0)} ms` : ''}`);
    }
  } finally {
    runners.manual.dispose();
    runners.autodiff.dispose();
    disposeData(data);
  }
  const flops = flopsPerEpoch(rows, layers);
  const numpyMedian = numpy ? median(numpyMs) : null;
  const note = slow ? `first ${rows} of ${WORKLOAD_W.rows} rows (full W takes too long here)` : undefined;
  const timings: TimingRow[] = [];
  if (numpyMedian !== null) {
    timings.push({ backend: 'numpy', grads: 'homework code', rows, epochs: numpyMs.length, medianMs: numpyMedian, minMs: Math.min(...numpyMs), gflops: flops / (numpyMedian * 1e6), vsNumpy: 1, tensorsPerEpoch: null, finalLoss: numpyLoss, note: `baseline of the ${backend} block` });
  }
  for (const grads of ['manual', 'autodiff'] as const) {
    const ms = median(samples[grads].map((s) => s.ms));
    timings.push({
      backend,
      grads,
      rows,
      epochs: samples[grads].length,
      medianMs: ms,
      minMs: Math.min(...samples[grads].map((s) => s.ms)),
      gflops: flops / (ms * 1e6),
      vsNumpy: numpyMedian === null ? null : ms / numpyMedian,
      tensorsPerEpoch: Math.max(...samples[grads].map((s) => s.tensorGrowth)),
      finalLoss: samples[grads].at(-1)?.loss ?? NaN,
      note,
    });
  }
  return timings;
}

/** `npm run compare`'s default checks on the active backend, timed. */
export async function timeCompare(backend: string): Promise<CompareTiming> {
  const start = performance.now();
  const report = await runChecks(DEFAULT_CHECK_OPTIONS);
  return { backend, seconds: (performance.now() - start) / 1000, checks: report.checks.length, failed: report.checks.filter((c) => !c.pass).length };
}

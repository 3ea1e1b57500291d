/**
 * `npm run bench` end to end on tiny sizes: the sections run in their own processes and come back as one
 * JSON report (its schema, both passes, each side's peak RSS, the targets), the text tables, bad flags.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, type BenchReport, type HomeworkRun } from '../../bench/report.js';
import { loadNativeAddon } from '../../native/addon.js';
import { probeBackend } from '../../src/backends.js';
import { NATIVE_MISSING, SKIP_REASON } from '../native/helpers.js';
import { BENCH_SCRIPT, NUMPY_MISSING, NUMPY_SKIP, REPO_ROOT } from './helpers.js';

/** Each run starts a node and a numpy process per section; on a busy 2-core machine that takes minutes. */
const RUN_TIMEOUT_MS = 400_000;

function bench(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', BENCH_SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
}

describe('bench command line', () => {
  it('--help prints the flags; a bad flag is one line and exit 2', () => {
    const help = bench(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--sections', '--backends', '--unpinned', '--job-epochs', '--job-rows', '--homework-epochs', '--numpy-threads', '--json', '--peers', '--write-docs']) expect(help.stdout).toContain(flag);
    const bad = bench(['--sections', 'job,nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('bench: --sections: unknown value "nope" (expected job, w, homework, peers)');
    expect(bad.stdout).toBe('');
    const unknown = bench(['--fast']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  }, RUN_TIMEOUT_MS);
});

const SKIP = NATIVE_MISSING ? SKIP_REASON : NUMPY_SKIP;
describe.skipIf(NATIVE_MISSING || NUMPY_MISSING)(`bench --json, default job and homework setting on native, both passes${SKIP}`, () => {
  it('one report: both passes, each section\'s own RSS, the targets; the text tables from it', () => {
    const run = bench(['--json', '--sections', 'job,homework', '--backends', 'native', '--job-rows', '256', '--job-epochs', '3', '--homework-epochs', '2', '--homework-chunk', '1', '--unpinned', '--numpy-threads', '1', '--skip-native-builds']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as BenchReport;
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.sections).toEqual(['job', 'homework']);
    expect(report.numpyThreads).toBe(1);
    expect(report.machine.loadRange[0]).toBeLessThanOrEqual(report.machine.loadRange[1]);
    expect(report.passes.map((p) => p.pass)).toEqual(['pinned', 'unpinned']);
    const [pinned, unpinned] = report.passes;

    // The environment: as found in pass 1, without the pin in pass 2; the kernel OpenBLAS picked on each side.
    for (const key of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
      expect(pinned.env[key]).toBe(process.env[key]);
      expect(unpinned.env[key]).toBeUndefined();
    }
    for (const pass of report.passes) {
      expect(pass.numpyThreads).toBe(1); // --numpy-threads reached numpy's OpenBLAS (openblas_get_num_threads)
      expect(pass.blasCore.numpy).toMatch(/\S/);
      expect(pass.blasCore.native).toMatch(/\S/);
    }
    if (process.env.OPENBLAS_CORETYPE) {
      // The addon reports an OpenBLAS core only when it links OpenBLAS (HANDGRAD_NATIVE_BLAS=openblas, docs/native.md).
      const nativeLinksOpenBlas = loadNativeAddon().gemmImplementation().startsWith('OpenBLAS');
      expect(pinned.blasCore.native?.toLowerCase()).toBe(nativeLinksOpenBlas ? process.env.OPENBLAS_CORETYPE.toLowerCase() : 'none');
      expect(pinned.blasCore.numpy?.toLowerCase()).toBe(process.env.OPENBLAS_CORETYPE.toLowerCase());
    }

    for (const pass of report.passes) {
      expect(pass.skipped).toEqual([]);
      // The default job: the trainer's network and optimizer on the first 256 rows, 3 epochs, numpy beside it.
      expect(pass.job?.description).toMatchObject({ layers: [784, 256, 10], batchSize: 128, epochs: 3, sizes: { train: 50000, valid: 10000, test: 10000 } });
      const job = pass.job?.runs[0];
      if (!job) throw new Error('no default-job run');
      expect(job).toMatchObject({ backend: 'native', sizes: { train: 256, valid: 52, test: 52 }, stepsPerEpoch: 2, epochs: 3 });
      expect(job.subset).toContain('--job-rows 256');
      expect(job.perEpoch).toHaveLength(3);
      expect(job.ratio?.n).toBe(2);
      expect(Number.isFinite(job.ratio?.median)).toBe(true);
      expect(job.maxTrainLossDiff).toBeLessThanOrEqual(1e-5 * job.handgrad.first.trainLoss);
      expect(job.tensors.maxEpochGrowth).toBe(0);
      // The same run with every product through dense BLAS: other summation orders, the same losses to fp32 rounding.
      const dense = pass.job?.runs[1];
      if (!dense) throw new Error('no dense-products run');
      expect(dense).toMatchObject({ backend: 'native dense', sizes: { train: 256, valid: 52, test: 52 }, epochs: 3 });
      expect(Number.isFinite(dense.ratio?.median)).toBe(true);
      expect(Math.abs(dense.handgrad.last.trainLoss - job.handgrad.last.trainLoss)).toBeLessThan(1e-4);

      const homework = pass.homework as HomeworkRun;
      expect(homework.backend).toBe('native');
      expect(homework.handgrad.epochs).toBe(2);
      expect(homework.tensors.maxChunkGrowth).toBe(0);

      // Each section's own processes: node holds MNIST and tfjs, numpy only the rows it was sent; the homework
      // section's node process gets only the homework's rows (not all of MNIST, ~450 MiB at its peak while loading),
      // so it stays below the job's, whose 256-row run needs little beyond loading MNIST.
      expect(pass.rss.map((r) => [r.section, r.backend])).toEqual([['job', 'native'], ['job', 'native dense'], ['homework', 'native']]);
      expect(pass.rss[2].handgradMiB).toBeLessThan(pass.rss[0].handgradMiB);
      for (const r of pass.rss) {
        expect(r.handgradMiB).toBeGreaterThan(50);
        expect(r.numpyMiB).toBeGreaterThan(5);
        expect(r.numpyMiB).toBeLessThan(r.handgradMiB);
      }
      const target = (name: string) => pass.targets.find((t) => t.name === name);
      expect(pass.targets.map((t) => t.name)).toEqual(['default job native', 'default job wasm', 'default job tensorflow', 'native sgemm build / OpenBLAS build', 'homework native', 'homework tensorflow', 'W native manual', 'W autodiff vs manual', 'homework peak RSS']);
      expect(target('default job native')?.value).toBe(job.ratio?.median);
      expect(target('default job wasm')?.status).toBe('not measured');
      expect(target('homework native')?.value).toBe(homework.ratio);
      expect(target('homework peak RSS')?.value).toBeCloseTo(pass.rss[2].handgradMiB / (pass.rss[2].numpyMiB ?? NaN), 12);
      for (const t of pass.targets) expect(['goal met', 'met', 'not met', 'not measured']).toContain(t.status);
    }

    const text = formatTable(report);
    expect(text).toContain('Pass 2: OpenBLAS unpinned');
    expect(text).toMatch(/^native\s+256\/52\/52 rows\s+3\s/m);
    expect(text).toMatch(/^native dense\s+256\/52\/52 rows\s+3\s/m);
    expect(text).toMatch(/^default job native\s+\d+\.\d\d×\s+1\.00×\s+0\.70×\s+(goal met|met|not met)/m);
    expect(text).toMatch(/^homework\s+native\s+\d+\s+\d+\s+\d+\.\d\d×/m);
  }, RUN_TIMEOUT_MS);
});

const TENSORFLOW = await probeBackend('tensorflow');
const TENSORFLOW_SKIP = TENSORFLOW.available ? NUMPY_SKIP : ` (SKIPPED: ${TENSORFLOW.reason})`;
describe.skipIf(!TENSORFLOW.available || NUMPY_MISSING)(`bench --backends tensorflow: the default job, W and the homework setting${TENSORFLOW_SKIP}`, () => {
  it('each section runs on tfjs-node beside numpy, the same losses as numpy\'s where both train the same network', () => {
    const run = bench(['--json', '--sections', 'job,w,homework', '--backends', 'tensorflow', '--job-rows', '256', '--job-epochs', '2', '--epochs', '5', '--skip-compare', '--homework-epochs', '2', '--homework-chunk', '1']);
    expect(run.status, run.stderr).toBe(0);
    const [pass] = (JSON.parse(run.stdout) as BenchReport).passes;
    expect(pass.skipped).toEqual([]);
    const job = pass.job?.runs[0];
    expect(job?.backend).toBe('tensorflow');
    expect(job?.maxTrainLossDiff).toBeLessThanOrEqual(1e-5 * (job?.handgrad.first.trainLoss ?? NaN));
    expect(pass.w?.timings.map((t) => [t.backend, t.grads, t.rows])).toEqual([
      ['numpy', 'homework code', 10000],
      ['tensorflow', 'manual', 10000],
      ['tensorflow', 'autodiff', 10000],
    ]);
    for (const t of pass.w?.timings ?? []) expect(Number.isFinite(t.vsNumpy) && (t.vsNumpy ?? 0) > 0).toBe(true);
    const homework = pass.homework as HomeworkRun;
    expect(homework.backend).toBe('tensorflow');
    expect(homework.maxTrainLossDiff).toBeLessThanOrEqual(1e-5 * homework.handgrad.first.trainLoss);
    expect(pass.rss.map((r) => [r.section, r.backend])).toEqual([['job', 'tensorflow'], ['w', 'tensorflow'], ['homework', 'tensorflow']]);
    const target = (name: string) => pass.targets.find((t) => t.name === name);
    expect(target('default job tensorflow')?.value).toBe(job?.ratio?.median);
    expect(target('homework tensorflow')?.value).toBe(homework.ratio);
    expect(target('homework native')?.status).toBe('not measured');
  }, RUN_TIMEOUT_MS);
});

describe.skipIf(NUMPY_MISSING)(`bench --json, workload W on cpu${NUMPY_SKIP}`, () => {
  it('W rows for numpy, manual and autodiff on the chosen rows, no tensor growth; no unpinned pass for cpu', () => {
    const run = bench(['--json', '--sections', 'w', '--backends', 'cpu', '--cpu-rows', '40', '--epochs', '5', '--skip-compare', '--unpinned']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as BenchReport;
    const [pinned, unpinned] = report.passes;
    const w = pinned.w;
    expect(w?.timings.map((t) => [t.backend, t.grads, t.rows, t.epochs])).toEqual([
      ['numpy', 'homework code', 40, 5],
      ['cpu', 'manual', 40, 5],
      ['cpu', 'autodiff', 40, 5],
    ]);
    for (const t of w?.timings.slice(1) ?? []) {
      expect(t.tensorsPerEpoch).toBe(0);
      expect(Number.isFinite(t.vsNumpy)).toBe(true);
    }
    expect(pinned.job).toBeNull();
    expect(pinned.rss).toHaveLength(1);
    // cpu does not use OpenBLAS: the unpinned pass has nothing to repeat.
    expect(unpinned.w?.timings).toEqual([]);
    expect(unpinned.note).toMatch(/native only/);
  }, RUN_TIMEOUT_MS);
});

describe.skipIf(NATIVE_MISSING || NUMPY_MISSING)(`bench when the numpy side dies${SKIP}`, () => {
  it('the section is reported FAILED with numpy\'s last words, the rest of the report is printed, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handgrad-bench-python-'));
    try {
      // A "python" that imports numpy fine, answers hello, then dies on the first real command.
      const fake = join(dir, 'python');
      writeFileSync(
        fake,
        '#!/bin/sh\nif [ "$1" = "-c" ]; then exec python3 "$@"; fi\nread line\necho \'{"numpy": "0", "blas": "fake", "blasCore": "none", "blasThreads": 0}\'\nread line\necho "numpy server: out of memory" >&2\nexit 3\n',
      );
      chmodSync(fake, 0o755);
      const run = spawnSync(process.execPath, ['--import', 'tsx', BENCH_SCRIPT, '--json', '--sections', 'job', '--backends', 'native', '--job-rows', '256', '--job-epochs', '2', '--skip-native-builds'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, HANDGRAD_PYTHON: fake },
        timeout: RUN_TIMEOUT_MS,
      });
      expect(run.status).toBe(1);
      const report = JSON.parse(run.stdout) as BenchReport;
      expect(report.passes[0].skipped).toEqual([
        { backend: 'job native', reason: 'FAILED: numpy reference exited (numpy server: out of memory)' },
        { backend: 'job native dense', reason: 'FAILED: numpy reference exited (numpy server: out of memory)' },
      ]);
      expect(report.passes[0].job?.runs).toEqual([]);
      expect(run.stderr.trim().split('\n').at(-1)).toBe('bench: pinned job native dense: numpy reference exited (numpy server: out of memory)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, RUN_TIMEOUT_MS);
});

describe.skipIf(NATIVE_MISSING || !nativeLinksOpenBlas())(`the native backend's two builds${NATIVE_MISSING ? SKIP_REASON : nativeLinksOpenBlas() ? '' : ' (SKIPPED: the addon does not link OpenBLAS, so there is no second build to compare)'}`, () => {
  it('the default job also runs on a build with handgrad\'s own sgemm beside the OpenBLAS one: the same losses, and the ratio of the two', () => {
    const run = bench(['--json', '--sections', 'job', '--backends', 'native', '--job-rows', '256', '--job-epochs', '2', '--numpy-threads', '1']);
    expect(run.status, run.stderr).toBe(0);
    const [pinned] = (JSON.parse(run.stdout) as BenchReport).passes;
    const runs = pinned.job?.runs ?? [];
    expect(runs.map((r) => r.backend)).toEqual(['native', 'native dense', 'native sgemm']);
    const [native, , sgemm] = runs;
    expect(Math.abs(sgemm.handgrad.last.trainLoss - native.handgrad.last.trainLoss)).toBeLessThan(1e-4);
    const target = pinned.targets.find((t) => t.name === 'native sgemm build / OpenBLAS build');
    expect(target?.value).toBeCloseTo((sgemm.ratio?.median ?? NaN) / (native.ratio?.median ?? NaN), 12);
  }, RUN_TIMEOUT_MS);
});

function nativeLinksOpenBlas(): boolean {
  try {
    return loadNativeAddon().gemmImplementation().startsWith('OpenBLAS');
  } catch {
    return false;
  }
}

/**
 * The bench's pieces: W's flop count, order statistics, flags, the unpinned environment, the targets'
 * verdicts, and the data-set file that hands the homework rows to the section's process.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatasetFile, writeDatasetFile } from '../../bench/dataset_file.js';
import { environmentFor, parseBenchArgs, reportedEnv } from '../../bench/bench.js';
import { median, quantile, spread } from '../../bench/stats.js';
import { computeTargets, judge, TARGETS } from '../../bench/targets.js';
import { WORKLOAD_W, flopsPerEpoch } from '../../bench/workload.js';
import { TRAIN_DEFAULTS as DEFAULTS } from '../../src/train/config.js';

describe('bench arithmetic', () => {
  it('W is 47.64 GFLOP per epoch: 6 · 10000 · (784·1000 + 1000·10)', () => {
    expect(flopsPerEpoch(WORKLOAD_W.rows, WORKLOAD_W.layers)).toBe(47_640_000_000);
    expect(flopsPerEpoch(2, [3, 4, 5])).toBe(6 * 2 * (12 + 20));
  });

  it('median and quartiles interpolate between order statistics as numpy does', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // numpy.quantile([1, 2, 3, 4, 10], [0.25, 0.75]) = [2, 4]; of [1, 2, 3, 4]: [1.75, 3.25]
    expect([quantile([10, 1, 3, 2, 4], 0.25), quantile([10, 1, 3, 2, 4], 0.75)]).toEqual([2, 4]);
    expect([quantile([1, 2, 3, 4], 0.25), quantile([1, 2, 3, 4], 0.75)]).toEqual([1.75, 3.25]);
    expect(spread([0.9, 1.2, 0.7, 1.0])).toEqual({ median: 0.95, q1: 0.85, q3: 1.05, min: 0.7, max: 1.2, n: 4 });
    expect(spread([]).median).toBeNaN();
  });
});

describe('bench flags', () => {
  it('defaults: every section and backend, the pinned pass only, the trainer\'s epochs for the default job', () => {
    const options = parseBenchArgs([]);
    expect(options).toMatchObject({
      json: false,
      sections: ['job', 'w', 'homework', 'peers'],
      backends: ['native', 'tensorflow', 'wasm', 'cpu'],
      passes: ['pinned'],
      epochs: 7,
      jobEpochs: DEFAULTS.epochs,
      jobRows: null,
      jobCpuRows: 2500,
      homeworkEpochs: 200,
      homeworkChunk: 10,
      compare: true,
      numpyThreads: null,
      peers: ['torch-eager', 'torch-compile', 'jax-step', 'jax-scan'],
      peersHomeworkEpochs: 40,
      writeDocs: false,
      docsFile: 'docs/benchmarks.md',
    });
  });

  it('chooses sections, backends and passes', () => {
    expect(parseBenchArgs(['--sections', 'job', '--backends', 'wasm,native', '--unpinned', '--job-epochs', '3', '--job-rows', '640'])).toMatchObject({
      sections: ['job'],
      backends: ['wasm', 'native'],
      passes: ['pinned', 'unpinned'],
      jobEpochs: 3,
      jobRows: 640,
    });
    expect(parseBenchArgs(['--passes', 'unpinned']).passes).toEqual(['unpinned']);
    expect(parseBenchArgs(['--json', '--epochs', '9', '--backends', 'native,cpu', '--cpu-rows', '300'])).toMatchObject({ json: true, epochs: 9, backends: ['native', 'cpu'], subsetRows: { cpu: 300, wasm: 2500 } });
    expect(parseBenchArgs(['--homework-epochs', '0', '--homework-chunk', '25'])).toMatchObject({ homeworkEpochs: 0, homeworkChunk: 25 });
    expect(parseBenchArgs(['-h']).help).toBe(true);
    expect(parseBenchArgs(['--numpy-threads', '1']).numpyThreads).toBe(1);
    expect(parseBenchArgs(['--sections', 'peers', '--peers', 'jax-scan,torch-eager', '--peers-homework-epochs', '0'])).toMatchObject({ sections: ['peers'], peers: ['jax-scan', 'torch-eager'], peersHomeworkEpochs: 0 });
    expect(parseBenchArgs(['--write-docs'])).toMatchObject({ writeDocs: true, docsFile: 'docs/benchmarks.md' });
    expect(parseBenchArgs(['--docs-file', 'out/page.md'])).toMatchObject({ writeDocs: true, docsFile: 'out/page.md' });
  });

  it('rejects bad flags with one line naming the flag', () => {
    expect(() => parseBenchArgs(['--homework-chunk', '0'])).toThrow('--homework-chunk: 0 must be an integer ≥ 1');
    expect(() => parseBenchArgs(['--epochs', '3'])).toThrow('--epochs: 3 must be an integer ≥ 5');
    expect(() => parseBenchArgs(['--job-epochs', '1'])).toThrow('--job-epochs: 1 must be an integer ≥ 2');
    expect(() => parseBenchArgs(['--job-rows', 'many'])).toThrow('--job-rows: "many" is not an integer');
    expect(() => parseBenchArgs(['--numpy-threads', '0'])).toThrow('--numpy-threads: 0 must be an integer ≥ 1');
    expect(() => parseBenchArgs(['--backends', 'native,webgl'])).toThrow('--backends: unknown value "webgl" (expected native, tensorflow, wasm, cpu)');
    expect(() => parseBenchArgs(['--sections', 'job,speed'])).toThrow('--sections: unknown value "speed" (expected job, w, homework, peers)');
    expect(() => parseBenchArgs(['--passes', 'pinned', '--unpinned'])).toThrow('--passes and --unpinned: give one of them, not both');
    expect(() => parseBenchArgs(['--cpu-rows', '20000'])).toThrow('--cpu-rows: at most 10000 (the rows of W), got 20000');
    expect(() => parseBenchArgs(['--fast'])).toThrow("Unknown option '--fast'");
    expect(() => parseBenchArgs(['--peers', 'jax'])).toThrow('--peers: unknown value "jax" (expected torch-eager, torch-compile, jax-step, jax-scan)');
  });
});

describe('the unpinned pass\'s environment', () => {
  const env = { PATH: '/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512', OPENBLAS_NUM_THREADS: '1', HANDGRAD_NATIVE_THREADS: '2' };

  it('removes exactly OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; the pinned pass keeps the environment as found', () => {
    expect(environmentFor('unpinned', env)).toEqual({ PATH: '/bin', OPENBLAS_NUM_THREADS: '1', HANDGRAD_NATIVE_THREADS: '2' });
    expect(environmentFor('pinned', env)).toEqual(env);
    expect(env.OPENBLAS_CORETYPE).toBe('Haswell'); // a copy: the bench's own environment is untouched
  });

  it('reports the OpenBLAS and thread variables only', () => {
    expect(reportedEnv(env)).toEqual({ HANDGRAD_NATIVE_THREADS: '2', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512', OPENBLAS_NUM_THREADS: '1' });
  });
});

describe('targets', () => {
  it('goal met, met, not met and not measured', () => {
    expect(judge(TARGETS.jobNative, 0.65, '').status).toBe('goal met');
    expect(judge(TARGETS.jobNative, 0.7, '').status).toBe('goal met');
    expect(judge(TARGETS.jobNative, 0.95, '').status).toBe('met');
    expect(judge(TARGETS.jobNative, 1.01, '').status).toBe('not met');
    expect(judge(TARGETS.wManual, 0.99, '').status).toBe('met');
    expect(judge(TARGETS.jobWasm, null, '')).toMatchObject({ status: 'not measured', value: null });
    expect(judge(TARGETS.jobWasm, Number.NaN, '')).toMatchObject({ status: 'not measured', value: null });
  });

  it('the bench\'s limits and goals', () => {
    const rows = computeTargets({ job: null, w: null, homework: null, rss: [] });
    expect(rows.map((t) => [t.name, t.limit, t.goal, t.status])).toEqual([
      ['default job native', 1.0, 0.7, 'not measured'],
      ['default job wasm', 3.0, null, 'not measured'],
      ['default job tensorflow', 1.0, null, 'not measured'],
      ['native sgemm build / OpenBLAS build', 1.2, null, 'not measured'],
      ['homework native', 1.0, 0.9, 'not measured'],
      ['homework tensorflow', 1.0, null, 'not measured'],
      ['W native manual', 1.0, null, 'not measured'],
      ['W autodiff vs manual', 1.3, null, 'not measured'],
      ['homework peak RSS', 2.0, null, 'not measured'],
    ]);
  });

  it('W: autodiff over manual on native, and the homework section\'s RSS over numpy\'s', () => {
    const row = (grads: string, medianMs: number, vsNumpy: number) => ({ backend: 'native', grads, rows: 10000, epochs: 7, medianMs, minMs: medianMs, gflops: 1, vsNumpy, tensorsPerEpoch: 0, finalLoss: 2 });
    const rows = computeTargets({
      job: null,
      w: { workload: { rows: 10000, layers: [784, 1000, 10], optimizer: '', gflopPerEpoch: 1 }, timings: [row('manual', 300, 0.95), row('autodiff', 420, 1.33)], compare: [], best: null },
      homework: null,
      rss: [{ section: 'homework', backend: 'native', handgradMiB: 500, numpyMiB: 200 }],
    });
    expect(rows.find((t) => t.name === 'W native manual')).toMatchObject({ value: 0.95, status: 'met' });
    expect(rows.find((t) => t.name === 'W autodiff vs manual')?.value).toBeCloseTo(1.4, 12);
    expect(rows.find((t) => t.name === 'W autodiff vs manual')?.status).toBe('not met');
    // RSS counts only when the homework section itself ran.
    expect(rows.find((t) => t.name === 'homework peak RSS')?.status).toBe('not measured');
  });
});

describe('data set file', () => {
  it('round-trips every split exactly, refuses to overwrite, and names a truncated file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handgrad-bench-rows-'));
    try {
      const split = (n: number, offset: number) => ({ x: Float32Array.from({ length: n * 3 }, (_, i) => offset + i / 7), labels: Int32Array.from({ length: n }, (_, i) => (i + offset) % 4), n });
      const data = { name: 'tiny "rows"\nset', features: 3, classes: 4, train: split(5, 0), valid: split(2, 100), test: split(1, 200) };
      const path = join(dir, 'rows.bin');
      writeDatasetFile(path, data);
      expect(statSync(path).size).toBeGreaterThan((5 + 2 + 1) * (3 * 4 + 4));
      expect(readDatasetFile(path)).toEqual(data);
      expect(() => writeDatasetFile(path, data)).toThrow(/EEXIST/);
      const cut = join(dir, 'cut.bin');
      writeFileSync(cut, `${JSON.stringify({ name: 'x', features: 3, classes: 4, rows: [5, 2, 1] })}\n` + 'abc');
      expect(() => readDatasetFile(cut)).toThrow(`${cut}: truncated data set file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

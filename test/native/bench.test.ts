/**
 * The benchmark: workload arithmetic, flag parsing, the numpy baseline's math, and the homework
 * setting's interleaved run (handgrad's trainEpochs vs numpy's homework loop) on tiny shapes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, runHomework } from '../../bench/bench.js';
import { startNumpy } from '../../bench/numpy.js';
import { formatHomework, type HomeworkSide } from '../../bench/report.js';
import { WORKLOAD_W, flopsPerEpoch, makeHomeworkDataset, median, type HomeworkShape } from '../../bench/workload.js';
import { NATIVE_MISSING, SKIP_REASON } from './helpers.js';

const NUMPY_REFERENCE = fileURLToPath(new URL('../../bench/numpy_reference.py', import.meta.url));
const numpyProbe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const NUMPY_MISSING = numpyProbe.status !== 0;

describe('bench workload and flags', () => {
  it('W is 47.64 GFLOP per epoch: 6 · 10000 · (784·1000 + 1000·10)', () => {
    expect(flopsPerEpoch(WORKLOAD_W.rows, WORKLOAD_W.layers)).toBe(47_640_000_000);
    expect(flopsPerEpoch(2, [3, 4, 5])).toBe(6 * 2 * (12 + 20));
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('parses flags and rejects bad ones with a one-line message', () => {
    const options = parseBenchArgs(['--json', '--epochs', '9', '--backends', 'native,cpu', '--cpu-rows', '300']);
    expect(options).toMatchObject({ json: true, epochs: 9, backends: ['native', 'cpu'], subsetRows: { cpu: 300, wasm: 2500 }, homeworkEpochs: 200, homeworkChunk: 10, compare: true });
    expect(parseBenchArgs(['--homework-epochs', '0', '--homework-chunk', '25'])).toMatchObject({ homeworkEpochs: 0, homeworkChunk: 25 });
    expect(() => parseBenchArgs(['--homework-chunk', '0'])).toThrow('--homework-chunk: 0 must be an integer ≥ 1');
    expect(() => parseBenchArgs(['--epochs', '3'])).toThrow('--epochs: 3 must be an integer ≥ 5');
    expect(() => parseBenchArgs(['--backends', 'native,webgl'])).toThrow('--backends: unknown value "webgl" in "native,webgl" (expected a list of native, tensorflow, wasm, cpu)');
    expect(() => parseBenchArgs(['--cpu-rows', '20000'])).toThrow('--cpu-rows: at most 10000 (the rows of W), got 20000');
    expect(() => parseBenchArgs(['--fast'])).toThrow("Unknown option '--fast'");
  });
});

describe.skipIf(NUMPY_MISSING)(`numpy reference${NUMPY_MISSING ? ' (SKIPPED: python3 with numpy not available)' : ''}`, () => {
  it('its loss is the mean cross-entropy of its own softmax, and momentum epochs lower it', () => {
    // A tiny network: 64 rows, 6 → 5 → 3, checked in float64 inside Python against the definitions.
    const script = `
import importlib.util, json, numpy as np
spec = importlib.util.spec_from_file_location("ref", ${JSON.stringify(NUMPY_REFERENCE)})
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
net = ref.WorkloadRun(64, 6, 5, 3, 0, 0.9, 0.5)
z = ref.computeLayer(ref.relu(ref.computeLayer(net.x, net.net.w_h, net.net.b_h)), net.net.w_o, net.net.b_o)
p = ref.softmax(z.astype(np.float64))
direct = float(-np.mean(np.sum(net.y * np.log(p), axis=1)))
losses = [net.epoch(64) for _ in range(20)]
big = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
print(json.dumps({"direct": direct, "first": losses[0], "last": losses[-1], "rowsum": float(ref.softmax(big).sum()), "ce_big": ref.CE(np.array([[0, 0, 1]], np.float32), big)}))
`;
    const result = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { direct: number; first: number; last: number; rowsum: number; ce_big: number };
    expect(Math.abs(out.first - out.direct) / out.direct).toBeLessThan(1e-5);
    expect(out.last).toBeLessThan(out.first);
    // Per-row max: no overflow for logits of ±1000, and CE = logsumexp − z_y = 1000 − (−1000).
    expect(out.rowsum).toBeCloseTo(1, 6);
    expect(out.ce_big).toBeCloseTo(2000, 3);
  });

  it('a homework epoch reports train metrics at the parameters before its step and valid/test after it', () => {
    const script = `
import importlib.util, json, numpy as np
spec = importlib.util.spec_from_file_location("ref", ${JSON.stringify(NUMPY_REFERENCE)})
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
rng = np.random.default_rng(0)
splits = [(rng.random((n, 8), dtype=np.float32), rng.integers(0, 3, n).astype(np.int32)) for n in (120, 50, 30)]
run = ref.HomeworkRun(splits, ref.xavier(8, 6, 3, rng), 0.9, 0.1)
(xt, lt, yt), (xv, lv, yv), (xs, ls, ys) = run.splits
before = run.net.logits(xt)
step_ms, eval_ms, m = run.epoch()
after_valid, after_test = run.net.logits(xv), run.net.logits(xs)
print(json.dumps({"sizes": [len(lt), len(lv), len(ls)], "ms": [step_ms, eval_ms], "m": m,
  "expect": {"trainLoss": ref.CE(yt, before), "trainAcc": ref.accuracy(lt, before), "validLoss": ref.CE(yv, after_valid),
             "validAcc": ref.accuracy(lv, after_valid), "testLoss": ref.CE(ys, after_test), "testAcc": ref.accuracy(ls, after_test)}}))
`;
    const result = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { sizes: number[]; ms: number[]; m: Record<string, number>; expect: Record<string, number> };
    expect(out.sizes).toEqual([120, 50, 30]);
    expect(out.ms.every((ms) => ms > 0)).toBe(true);
    for (const [key, value] of Object.entries(out.expect)) expect(out.m[key], key).toBeCloseTo(value, 6);
  });
});

const HOMEWORK_MISSING = NATIVE_MISSING || NUMPY_MISSING;
const HOMEWORK_SKIP = NATIVE_MISSING ? SKIP_REASON : NUMPY_MISSING ? ' (SKIPPED: python3 with numpy not available)' : '';
if (HOMEWORK_MISSING) console.warn(`[bench homework test] skipped:${HOMEWORK_SKIP}`);

describe.skipIf(HOMEWORK_MISSING)(`homework setting, handgrad vs numpy interleaved${HOMEWORK_SKIP}`, () => {
  const shape: HomeworkShape = { train: 300, valid: 120, test: 80, layers: [20, 32, 4], lr: 0.1, momentum: 0.9 };

  it('makeHomeworkDataset: the split sizes, pixels in [0, 1), every class used', () => {
    const data = makeHomeworkDataset(shape, 3);
    expect([data.train.n, data.valid.n, data.test.n]).toEqual([300, 120, 80]);
    expect(data.train.x.length).toBe(300 * 20);
    expect(data.features).toBe(20);
    expect(data.classes).toBe(4);
    const all = [data.train, data.valid, data.test];
    expect(all.every((s) => s.x.every((v) => v >= 0 && v < 1))).toBe(true);
    expect(new Set(all.flatMap((s) => Array.from(s.labels))).size).toBe(4);
  });

  it('rejects a data set of other sizes than the shape in one line', async () => {
    const dataset = makeHomeworkDataset({ ...shape, test: 81 }, 3);
    await expect(runHomework({ backend: 'native', shape, dataset, epochs: 1, chunkEpochs: 1, seed: 1 }, null, () => {})).rejects.toThrow(
      'homework setting: data set synthetic (teacher-labelled) has 300/120/81 rows of 20 features, 4 classes; expected 300/120/80 of 20, 4',
    );
  });

  it('both sides run the same epochs in alternating chunks; the ratio, totals and losses add up; no tensor growth', async () => {
    const started = await startNumpy({ ...WORKLOAD_W, rows: 16, layers: [20, 8, 4] }, 0);
    if (!started.ok) throw new Error(started.reason);
    const order: string[] = [];
    const baseline = started.baseline;
    const numpy = { ...baseline, homeworkEpochs: async (count: number) => (order.push(`numpy ${count}`), baseline.homeworkEpochs(count)) };
    const tensorsAtStart = tf.memory().numTensors;
    const run = await runHomework({ backend: 'native', shape, epochs: 7, chunkEpochs: 3, seed: 1 }, numpy, (line) => order.push(line.trim().split(':')[0]));
    baseline.close();
    expect(tf.memory().numTensors).toBe(tensorsAtStart);

    expect(order).toEqual(['numpy 3', 'homework epochs 1–3/7', 'numpy 3', 'homework epochs 4–6/7', 'numpy 1', 'homework epochs 7–7/7']);
    expect(run.backend).toBe('native');
    expect(run.numpy).not.toBeNull();
    const sides: HomeworkSide[] = [run.handgrad, run.numpy as HomeworkSide];
    for (const side of sides) {
      expect(side.epochs).toBe(7);
      expect(side.trainLosses).toHaveLength(7);
      expect(side.chunkSeconds).toHaveLength(3);
      expect(side.seconds).toBeCloseTo(side.chunkSeconds.reduce((a, b) => a + b, 0), 9);
      expect(side.trainSeconds + side.evalSeconds).toBeLessThanOrEqual(side.seconds * 1.001 + 1e-6);
      expect(side.evalSeconds).toBeGreaterThan(0);
      expect(side.trainLosses.every(Number.isFinite)).toBe(true);
      // Xavier init, 4 balanced classes: the first loss is near ln 4; momentum steps lower it.
      expect(Math.abs(side.first.trainLoss - Math.log(4))).toBeLessThan(0.3);
      expect(side.last.trainLoss).toBeLessThan(side.first.trainLoss);
      expect(side.first.trainLoss).toBe(side.trainLosses[0]);
      for (const m of [side.first, side.last]) {
        for (const acc of [m.trainAcc, m.validAcc, m.testAcc]) expect(acc >= 0 && acc <= 1).toBe(true);
        expect([m.validLoss, m.testLoss].every(Number.isFinite)).toBe(true);
      }
    }
    const numpySide = run.numpy as HomeworkSide;
    // numpy got handgrad's data and initial parameters: the same run, to fp32 rounding.
    for (let e = 0; e < 7; e++) expect(Math.abs(numpySide.trainLosses[e] - run.handgrad.trainLosses[e])).toBeLessThan(1e-4);
    expect(numpySide.last.validLoss).toBeCloseTo(run.handgrad.last.validLoss, 4);
    expect(Math.abs(numpySide.last.testAcc - run.handgrad.last.testAcc)).toBeLessThanOrEqual(1 / 80 + 1e-9); // one borderline row may flip
    expect(run.maxTrainLossDiff).toBe(Math.max(...numpySide.trainLosses.map((l, e) => Math.abs(l - run.handgrad.trainLosses[e]))));
    expect(run.ratio).toBeCloseTo(run.handgrad.seconds / numpySide.seconds, 12);
    expect(run.evalRatio).toBeCloseTo(run.handgrad.evalSeconds / numpySide.evalSeconds, 12);
    expect(run.chunkRatios?.min).toBeLessThanOrEqual(run.chunkRatios?.median ?? NaN);
    expect(run.chunkRatios?.median).toBeLessThanOrEqual(run.chunkRatios?.max ?? NaN);
    expect(run.projectedTrainSeconds).toBeCloseTo(run.uploadSeconds + (run.handgrad.seconds * 200) / 7, 9);
    expect(run.tensors.maxChunkGrowth).toBe(0);
    expect(run.tensors.after).toBe(run.tensors.before);

    const text = formatHomework(run).join('\n');
    expect(text).toMatch(new RegExp(`handgrad\\s+7\\s+${run.handgrad.seconds.toFixed(1)}\\s.*${(run.ratio ?? NaN).toFixed(2)}×`));
    expect(text).toMatch(/numpy\s+7\s.*1\.00×/);
  });
});

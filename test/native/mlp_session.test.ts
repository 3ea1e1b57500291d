/**
 * The addon's MlpSession (native/src/mlp_session.cc): one step against the per-kernel addon functions
 * it is built from, on a tiny network by hand, and every bad input refused with a one-line error
 * before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { adamBiasCorrections } from '../../custom-ops/util/update_loops.js';
import { loadNativeAddon, type NativeAddon } from '../../native/addon.js';
import { NATIVE_MISSING, SKIP_REASON, randomValues } from './helpers.js';

const SIZES = [6, 5, 3];
const ROWS = 8;

/** A network of `sizes` with its slots and `rows` training rows; `zeroShare` of x's entries are exact zeros (MNIST-like). */
function setup(addon: NativeAddon, slotLists = 2, sizes = SIZES, rows = ROWS, zeroShare = 0) {
  const [F, H, K] = sizes;
  const params = [randomValues(F * H, 1, 0.5), randomValues(H, 2, 0.1), randomValues(H * K, 3, 0.5), randomValues(K, 4, 0.1)];
  const slots = Array.from({ length: slotLists }, (_, s) => params.map((p, i) => randomValues(p.length, 10 + 4 * s + i, s === 1 ? 0.01 : 0.1).map(Math.abs)));
  const keep = randomValues(rows * F, 21);
  const x = randomValues(rows * F, 20).map((v, i) => (Math.abs(keep[i]) / 3 < zeroShare ? 0 : v));
  const labels = Int32Array.from({ length: rows }, (_, i) => (i * 2) % K);
  return { sizes, params, slots, x, labels, session: () => new addon.MlpSession(sizes, params, slots, x, labels) };
}

/** The same step from the per-kernel functions (as the native kernels call them), on copies. */
function perKernelAdamStep(addon: NativeAddon, s: ReturnType<typeof setup>, rows: number[], t: number) {
  const [F, H, K] = s.sizes;
  const n = rows.length;
  const x = new Float32Array(n * F);
  const y = new Float32Array(n * K);
  rows.forEach((r, i) => {
    x.set(s.x.subarray(r * F, (r + 1) * F), i * F);
    y[i * K + s.labels[r]] = 1;
  });
  const [W1, b1, W2, b2] = s.params;
  const h = new Float32Array(n * H);
  const z = new Float32Array(n * K);
  addon.matmul(x, W1, h, 1, n, H, F, false, false, 0, 0, b1, true);
  addon.matmul(h, W2, z, 1, n, K, H, false, false, 0, 0, b2, false);
  const loss = addon.softmaxCrossEntropy(y, z, K);
  const g2 = new Float32Array(n * K);
  addon.softmaxCrossEntropyGrad(1, y, z, g2, K);
  const grads = [new Float32Array(F * H), new Float32Array(H), new Float32Array(H * K), new Float32Array(K)];
  addon.matmul(h, g2, grads[2], 1, H, K, n, true, false, 0, 0, null, false);
  addon.sumLeading(g2, grads[3], n, K);
  const g1 = new Float32Array(n * H);
  addon.matmul(g2, W2, g1, 1, n, H, K, false, true, 0, 0, null, false, h);
  addon.matmul(x, g1, grads[0], 1, F, H, n, true, false, 0, 0, null, false);
  addon.sumLeading(g1, grads[1], n, H);
  const { c1, c2 } = adamBiasCorrections(0.9, 0.999, t);
  const out = s.params.map((p, i) => {
    const w = new Float32Array(p.length);
    const m = new Float32Array(p.length);
    const v = new Float32Array(p.length);
    addon.adamUpdate(p, grads[i], s.slots[0][i], s.slots[1][i], w, m, v, 1e-2, 0.9, 0.999, 1e-7, c1, c2);
    return { w, m, v };
  });
  return { loss, out };
}

/** One fused Adam step t on rows `rows` of s (through an index list that starts one entry early), checked bit for bit against the per-kernel functions. */
function expectStepMatchesPerKernel(addon: NativeAddon, s: ReturnType<typeof setup>, rows: number[], t: number): void {
  const expected = perKernelAdamStep(addon, s, rows, t);
  const { c1, c2 } = adamBiasCorrections(0.9, 0.999, t);
  const out = new Float64Array(2);
  s.session().step(Int32Array.from([1, ...rows]), 1, rows.length + 1, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, c1, c2, out);
  expect(out[0]).toBe(expected.loss);
  expected.out.forEach(({ w, m, v }, i) => {
    expect(s.params[i]).toEqual(w);
    expect(s.slots[0][i]).toEqual(m);
    expect(s.slots[1][i]).toEqual(v);
  });
}

describe.skipIf(NATIVE_MISSING)(`MlpSession${SKIP_REASON}`, () => {
  it('one Adam step equals the per-kernel functions in order, bit for bit, and updates the arrays in place', () => {
    const addon = loadNativeAddon();
    expectStepMatchesPerKernel(addon, setup(addon), [5, 0, 7, 2], 3);
  });

  it('with a mostly-zero input (the sparse first layer, W_1 split by columns): bit for bit the per-kernel step, whose products skip the zeros too', () => {
    const addon = loadNativeAddon();
    // 300 features (listed by two workers, in blocks of 64), 41 hidden units (column blocks of 32 and 9),
    // 128 rows: large enough that the per-kernel products take sparse_matmul's path.
    const rows = 160;
    const s = setup(addon, 2, [300, 41, 10], rows, 0.85);
    const zeros = s.x.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / s.x.length;
    expect(zeros).toBeGreaterThan(0.8);
    const batch = Array.from({ length: 128 }, (_, i) => (i * 37) % rows);
    expectStepMatchesPerKernel(addon, s, batch, 1);
    expectStepMatchesPerKernel(addon, s, batch.reverse(), 2);
  });

  it('the training set\'s nonzeros listed once give the steps of a per-step scan of each batch, bit for bit', () => {
    const addon = loadNativeAddon();
    // `listed`: 160 rows, 85 % zeros, so the session lists the set's nonzeros once. `scanned`: the same
    // rows then 200 dense ones (38 % zeros in all, under the half that listing needs), so each step scans
    // its batch. Batches drawn from the first 160 rows are mostly zeros either way: both take the sparse first layer.
    const listed = setup(addon, 2, [300, 41, 10], 160, 0.85);
    const dense = randomValues(200 * 300, 30);
    const scanned = { ...listed, params: listed.params.map((p) => p.slice()), slots: listed.slots.map((l) => l.map((p) => p.slice())) };
    const x = new Float32Array(360 * 300);
    x.set(listed.x);
    x.set(dense, listed.x.length);
    const labels = Int32Array.from({ length: 360 }, (_, i) => (i < 160 ? listed.labels[i] : i % 10));
    const sessions = [
      new addon.MlpSession(listed.sizes, listed.params, listed.slots, listed.x, listed.labels),
      new addon.MlpSession(scanned.sizes, scanned.params, scanned.slots, x, labels),
    ];
    const order = Int32Array.from({ length: 256 }, (_, i) => (i * 37 + 5) % 160);
    const losses = sessions.map((session) => {
      const out = new Float64Array(2);
      const seen: number[] = [];
      for (let t = 1; t <= 3; t++) {
        const { c1, c2 } = adamBiasCorrections(0.9, 0.999, t);
        if (t === 2) session.step(null, 16, 144, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, c1, c2, out);
        else session.step(order, (t - 1) * 64, (t - 1) * 64 + 128, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, c1, c2, out);
        seen.push(out[0], out[1]);
      }
      return seen;
    });
    expect(losses[1]).toEqual(losses[0]);
    listed.params.forEach((p, i) => expect(scanned.params[i]).toEqual(p));
    listed.slots.forEach((list, s) => list.forEach((p, i) => expect(scanned.slots[s][i]).toEqual(p)));
    expect(listed.params[0]).not.toEqual(setup(addon, 2, [300, 41, 10], 160, 0.85).params[0]);
  });

  it('a 128-row step gives the same numbers on one worker as on several (HANDGRAD_NATIVE_STEP_THREADS)', () => {
    const addon = loadNativeAddon();
    const runs = ['1', '2', '4'].map((threads) => {
      const s = setup(addon, 2, [784, 256, 10], 384, 0.8);
      const session = s.session();
      const out = new Float64Array(2);
      const seen: number[] = [];
      const saved = process.env.HANDGRAD_NATIVE_STEP_THREADS;
      process.env.HANDGRAD_NATIVE_STEP_THREADS = threads;
      try {
        for (let t = 1; t <= 3; t++) {
          const { c1, c2 } = adamBiasCorrections(0.9, 0.999, t);
          session.step(null, (t - 1) * 128, t * 128, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, c1, c2, out);
          seen.push(out[0], out[1]);
        }
      } finally {
        if (saved === undefined) delete process.env.HANDGRAD_NATIVE_STEP_THREADS;
        else process.env.HANDGRAD_NATIVE_STEP_THREADS = saved;
      }
      return { seen, params: s.params, slots: s.slots };
    });
    for (const run of runs.slice(1)) {
      expect(run.seen).toEqual(runs[0].seen);
      run.params.forEach((p, i) => expect(p).toEqual(runs[0].params[i]));
      run.slots.forEach((list, k) => list.forEach((p, i) => expect(p).toEqual(runs[0].slots[k][i])));
    }
    expect(runs[0].params[0]).not.toEqual(setup(addon, 2, [784, 256, 10], 384, 0.8).params[0]);
  });

  it('with a mostly-zero input and a NaN in W_1: the dense products\' NaNs, as the per-kernel step gives them', () => {
    const addon = loadNativeAddon();
    const s = setup(addon, 2, [300, 41, 10], 128, 0.85);
    // A weight of a feature that is zero in every row: skipping zeros alone would never meet it.
    const silent = Array.from({ length: 300 }, (_, k) => k).find((k) => s.labels.every((_, r) => s.x[r * 300 + k] === 0));
    expect(silent, 'a feature that is zero in every row').toBeDefined();
    s.params[0][silent! * 41 + 3] = Number.NaN;
    const batch = Array.from({ length: 128 }, (_, i) => i);
    expectStepMatchesPerKernel(addon, s, batch, 1);
    expect(Number.isNaN(s.params[0][0])).toBe(true);
  });

  it('evaluate: Σ per-row cross-entropy and the argmax hits, whatever the chunk size', () => {
    const addon = loadNativeAddon();
    const s = setup(addon);
    const session = s.session();
    const whole = new Float64Array(2);
    const chunked = new Float64Array(2);
    session.evaluate(s.x, s.labels, 100, whole);
    session.evaluate(s.x, s.labels, 3, chunked);
    // By hand: relu(X·W1 + b1)·W2 + b2 through the addon's products, then per-row logsumexp − z_y in double.
    const z = new Float32Array(ROWS * 3);
    const h = new Float32Array(ROWS * 5);
    addon.matmul(s.x, s.params[0], h, 1, ROWS, 5, 6, false, false, 0, 0, s.params[1], true);
    addon.matmul(h, s.params[2], z, 1, ROWS, 3, 5, false, false, 0, 0, s.params[3], false);
    let loss = 0;
    let hits = 0;
    for (let r = 0; r < ROWS; r++) {
      const row = Array.from(z.subarray(r * 3, r * 3 + 3));
      const max = Math.max(...row);
      loss += max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) - row[s.labels[r]];
      hits += row.indexOf(max) === s.labels[r] ? 1 : 0;
    }
    expect(Math.abs(whole[0] - loss) / loss).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(chunked[0] - loss) / loss).toBeLessThanOrEqual(1e-12);
    expect(whole[1]).toBe(hits);
    expect(chunked[1]).toBe(hits);
  });

  it('refuses bad shapes, labels, indices, overlapping arrays and a mismatched optimizer, writing nothing', () => {
    const addon = loadNativeAddon();
    const s = setup(addon);
    const out = new Float64Array(2);
    const make = (over: Partial<{ sizes: number[]; params: Float32Array[]; slots: Float32Array[][]; x: Float32Array; labels: Int32Array }>) => () =>
      new addon.MlpSession(over.sizes ?? SIZES, over.params ?? s.params, over.slots ?? s.slots, over.x ?? s.x, over.labels ?? s.labels);
    expect(make({ sizes: [6] })).toThrow(/'sizes' needs at least an input and an output size/);
    expect(make({ params: s.params.slice(0, 3) })).toThrow(/'params' must hold W and b of each of the 2 layers/);
    expect(make({ params: [new Float32Array(29), ...s.params.slice(1)] })).toThrow(/'params'\[0\] must hold 30 values/);
    expect(make({ slots: [s.slots[0], [s.params[0], ...s.slots[1].slice(1)]] })).toThrow(/'slots'\[0\] overlaps another parameter or slot/);
    expect(make({ x: new Float32Array(7) })).toThrow(/'trainX' must hold one row of sizes\[0\] features per label/);
    expect(make({ labels: Int32Array.from(s.labels, (l, i) => (i === 4 ? 3 : l)) })).toThrow(/'trainLabels' holds 3, not a class in \[0, 3\)/);
    const before = s.params.map((p) => p.slice());
    const session = s.session();
    expect(() => session.step(Int32Array.from([0, 8]), 0, 2, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, 1, 1, out)).toThrow(/index 8 is not a training row/);
    expect(() => session.step(null, 4, 9, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, 1, 1, out)).toThrow(/rows \[begin, end\) run past the training set/);
    expect(() => session.step(null, 2, 2, 2, 1e-2, 0.9, 0.9, 0.999, 1e-7, 1, 1, out)).toThrow(/the batch \[begin, end\) is empty/);
    expect(() => session.step(null, 0, 2, 1, 1e-2, 0.9, 0.9, 0.999, 1e-7, 1, 1, out)).toThrow(/the optimizer needs 1 slot lists/);
    expect(() => session.evaluate(s.x, Int32Array.from(s.labels, () => -1), 4, out)).toThrow(/'labels' holds -1/);
    s.params.forEach((p, i) => expect(p).toEqual(before[i]));
  });
});

/**
 * bench/numpy_reference.py, the numpy side of every ratio: its loss, its hand-written backprop (against
 * float64 central differences), its optimizers, its loops, and its own peak RSS.
 */
import { describe, expect, it } from 'vitest';
import { startNumpy } from '../../bench/numpy.js';
import { NUMPY_MISSING, NUMPY_SKIP, python } from './helpers.js';

describe.skipIf(NUMPY_MISSING)(`numpy reference${NUMPY_SKIP}`, () => {
  it('its loss is the mean cross-entropy of its own softmax, and momentum epochs lower it', () => {
    // A tiny network: 64 rows, 6 → 5 → 3, checked in float64 inside Python against the definitions.
    const out = python<{ direct: number; first: number; last: number; rowsum: number; ce_big: number }>(`
net = ref.WorkloadRun(64, 6, 5, 3, 0, 0.9, 0.5)
z = ref.computeLayer(ref.relu(ref.computeLayer(net.x, net.net.w_h, net.net.b_h)), net.net.w_o, net.net.b_o)
p = ref.softmax(z.astype(np.float64))
direct = float(-np.mean(np.sum(net.y * np.log(p), axis=1)))
losses = [net.epoch(64) for _ in range(20)]
big = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
print(json.dumps({"direct": direct, "first": losses[0], "last": losses[-1], "rowsum": float(ref.softmax(big).sum()), "ce_big": ref.CE(np.array([[0, 0, 1]], np.float32), big)}))
`);
    expect(Math.abs(out.first - out.direct) / out.direct).toBeLessThan(1e-5);
    expect(out.last).toBeLessThan(out.first);
    // Per-row max: no overflow for logits of ±1000, and CE = logsumexp − z_y = 1000 − (−1000).
    expect(out.rowsum).toBeCloseTo(1, 6);
    expect(out.ce_big).toBeCloseTo(2000, 3);
  });

  it('a homework epoch reports train metrics at the parameters before its step and valid/test after it', () => {
    const out = python<{ sizes: number[]; ms: number[]; m: Record<string, number>; expect: Record<string, number> }>(`
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
`);
    expect(out.sizes).toEqual([120, 50, 30]);
    expect(out.ms.every((ms) => ms > 0)).toBe(true);
    for (const [key, value] of Object.entries(out.expect)) expect(out.m[key], key).toBeCloseTo(value, 6);
  });

  it("Mlp's backprop, any depth, matches float64 central differences of the mean CE", () => {
    // Two hidden layers (7 → 6 → 5 → 3), float64 throughout: every parameter's gradient against
    // (L(θ + h e_i) − L(θ − h e_i)) / 2h with h = 1e-6, whose error (truncation ~h², rounding ~1e-16/h) is ~1e-10.
    const out = python<{ worst: number; count: number; two_layer: number }>(`
rng = np.random.default_rng(3)
sizes = [7, 6, 5, 3]
params = []
for a, b in zip(sizes, sizes[1:]):
    params += [rng.standard_normal((a, b)) * 0.7, rng.standard_normal(b) * 0.1]
x = rng.standard_normal((11, 7)); y = np.eye(3)[rng.integers(0, 3, 11)]
net = ref.Mlp(params)
grads = net.gradients(x, y)
def loss():
    return ref.CE(y, net.logits(x))
worst, count, h = 0.0, 0, 1e-6
for p, g in zip(net.params, grads):
    for i in np.ndindex(p.shape):
        keep = p[i]
        p[i] = keep + h; up = loss()
        p[i] = keep - h; down = loss()
        p[i] = keep
        worst = max(worst, abs((up - down) / (2 * h) - g[i])); count += 1
# One hidden layer: the same gradients as the homework's own functions (Network.step's four).
w_h, b_h, w_o, b_o = params[0], params[1], rng.standard_normal((6, 3)), rng.standard_normal(3) * 0.1
net1 = ref.Mlp([w_h, b_h, w_o, b_o])
r = ref.computeLayer(x, w_h, b_h); hid = ref.relu(r); z = ref.computeLayer(hid, w_o, b_o)
d_o = ref.gradCE(y, ref.softmax(z)); d_h = ref.hiddenDelta(d_o, r, w_o)
mine = net1.gradients(x, y)
theirs = [ref.gradLossW_h(d_h, x), ref.gradLossb_h(d_h), ref.gradLossW_o(d_o, hid), ref.gradLossb_o(d_o)]
print(json.dumps({"worst": worst, "count": count, "two_layer": max(float(np.abs(a - b).max()) for a, b in zip(mine, theirs))}))
`);
    expect(out.count).toBe(7 * 6 + 6 + 6 * 5 + 5 + 5 * 3 + 3);
    expect(out.worst).toBeLessThan(1e-7);
    expect(out.two_layer).toBe(0);
  });

  it('Optimizer: Adam follows Algorithm 1 with tfjs\'s ε; momentum and SGD as the trainer\'s', () => {
    const out = python<{ adam: number; momentum: number; sgd: number; dtype: string }>(`
rng = np.random.default_rng(5)
w = rng.standard_normal(50).astype(np.float32)
gs = [rng.standard_normal(50).astype(np.float32) for _ in range(3)]
lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
opt = ref.Optimizer("adam", lr, 0.9, b1, b2, eps, [w])
cur, m, v, w64 = [w], np.zeros(50), np.zeros(50), w.astype(np.float64)
for t, g in enumerate(gs, 1):
    cur = opt.update(cur, [g])
    m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g.astype(np.float64) ** 2
    w64 = w64 - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
adam = float(np.abs(cur[0] - w64).max())
mo = ref.Optimizer("momentum", 0.1, 0.9, b1, b2, eps, [w]); c = [w]; vel = np.zeros(50); w2 = w.astype(np.float64)
for g in gs:
    c = mo.update(c, [g]); vel = 0.9 * vel + 0.1 * g; w2 = w2 - vel
sg = ref.Optimizer("sgd", 0.1, 0.9, b1, b2, eps, [w]); s = sg.update([w], [gs[0]])
print(json.dumps({"adam": adam, "momentum": float(np.abs(c[0] - w2).max()), "sgd": float(np.abs(s[0] - (w - np.float32(0.1) * gs[0])).max()), "dtype": str(cur[0].dtype)}))
`);
    expect(out.dtype).toBe('float32');
    // fp32 against float64 on |w| ~ 1 after three updates: a few ulps of 1 (2^-23 ≈ 1.2e-7).
    expect(out.adam).toBeLessThan(1e-6);
    expect(out.momentum).toBeLessThan(1e-6);
    expect(out.sgd).toBe(0);
  });

  it('JobRun: one step per batch of the given order (the last one shorter), then metrics after the updates', () => {
    const out = python<{ steps: number; m: Record<string, number>; expect: Record<string, number>; replay: number }>(`
rng = np.random.default_rng(1)
splits = [(rng.random((n, 8), dtype=np.float32), rng.integers(0, 3, n).astype(np.int32)) for n in (70, 20, 10)]
params = list(ref.xavier(8, 6, 3, rng))
start = [p.copy() for p in params]
job = ref.JobRun(splits, params, 32, 7, ref.Optimizer("adam", 1e-2, 0.9, 0.9, 0.999, 1e-7, params))
order = rng.permutation(70).astype(np.int32)
step_ms, eval_ms, steps, m = job.epoch(order)
# Replay by hand: batches order[0:32], order[32:64], order[64:70].
net = ref.Mlp(start); opt = ref.Optimizer("adam", 1e-2, 0.9, 0.9, 0.999, 1e-7, start)
x, labels = splits[0]
for b in (slice(0, 32), slice(32, 64), slice(64, 70)):
    idx = order[b]
    net.params = opt.update(net.params, net.gradients(x[idx], np.eye(3, dtype=np.float32)[labels[idx]]))
def metrics(xs, ls):
    z = net.logits(xs)
    return ref.CE(np.eye(3, dtype=np.float32)[ls], z), ref.accuracy(ls, z)
e = {}
for name, (xs, ls) in zip(("train", "valid", "test"), splits):
    e[name + "Loss"], e[name + "Acc"] = metrics(xs, ls)
print(json.dumps({"steps": steps, "m": m, "expect": e, "replay": max(float(np.abs(a - b).max()) for a, b in zip(job.net.params, net.params))}))
`);
    expect(out.steps).toBe(3);
    expect(out.replay).toBe(0);
    for (const [key, value] of Object.entries(out.expect)) expect(out.m[key], key).toBeCloseTo(value, 6);
  });

  it("reports its own peak RSS, not the node process's that started it", async () => {
    // Linux keeps ru_maxrss across fork and exec, so a numpy server forked from this process would report
    // at least this process's RSS; VmHWM is the server's own (a few tens of MiB here).
    const ballast = new Float32Array(100 * 2 ** 20).fill(1); // 400 MiB resident in this process
    const started = await startNumpy();
    if (!started.ok) throw new Error(started.reason);
    const rss = await started.baseline.peakRssBytes();
    started.baseline.close();
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(rss).toBeGreaterThan(5 * 2 ** 20);
    expect(rss).toBeLessThan(200 * 2 ** 20);
    expect(started.baseline.info.blasCore).toMatch(/\S/);
  });
});

/** The benchmark's pure parts: workload arithmetic, flag parsing, the numpy baseline's math. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/bench.js';
import { WORKLOAD_W, flopsPerEpoch, median } from '../../bench/workload.js';

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
    expect(options).toMatchObject({ json: true, epochs: 9, backends: ['native', 'cpu'], subsetRows: { cpu: 300, wasm: 2500 }, homeworkEpochs: 200, compare: true });
    expect(() => parseBenchArgs(['--epochs', '3'])).toThrow('--epochs: expected an integer ≥ 5, got "3"');
    expect(() => parseBenchArgs(['--backends', 'native,webgl'])).toThrow('--backends: unknown or unsupported backend "webgl"');
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
net = ref.Network(64, 6, 5, 3, 0, 0.9, 0.5)
z = ref.computeLayer(ref.relu(ref.computeLayer(net.x, net.w_h, net.b_h)), net.w_o, net.b_o)
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
});

import { describe, expect, it } from 'vitest';
import {
  centralDifference,
  centralDifferenceAt,
  crossEntropy,
  crossEntropyGrad,
  mat64,
  matmul,
  type Mlp64,
  mlpBackprop64,
  mlpLoss64,
  mlpLossAlong64,
  reluGrad,
  softmaxRows,
} from '../../src/reference/index.js';

/** A deterministic pseudo-random float64 vector in (−1, 1). */
function wave(n: number, phase: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(12.9898 * i + phase) * 0.999);
}

function tinyNet(sizes: number[]): Mlp64 {
  return {
    weights: sizes.slice(1).map((out, l) => mat64(sizes[l], out, wave(sizes[l] * out, l + 1))),
    biases: sizes.slice(1).map((out, l) => wave(out, 10 + l).map((v) => 0.1 * v)),
  };
}

describe('reference (float64)', () => {
  it('matmul and its transposes match a hand computation', () => {
    const a = mat64(2, 3, [1, 2, 3, 4, 5, 6]);
    const b = mat64(3, 2, [7, 8, 9, 10, 11, 12]);
    expect(Array.from(matmul(a, b).data)).toEqual([58, 64, 139, 154]);
    // Aᵀ·A (3×3) and A·Aᵀ (2×2)
    expect(Array.from(matmul(a, a, true, false).data)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    expect(Array.from(matmul(a, a, false, true).data)).toEqual([14, 32, 32, 77]);
    expect(() => matmul(a, a)).toThrow(/inner dimensions/);
  });

  it('softmax rows are shifted per row: ±1e4 logits stay finite and rows sum to 1', () => {
    const p = softmaxRows(mat64(2, 3, [1e4, 0, -1e4, -1e4, -1e4 + Math.log(3), -1e4]));
    expect(Array.from(p.data.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(p.data[3]).toBeCloseTo(0.2, 10); // −1e4 + log 3 is only exact to ~1e-12
    expect(p.data[4]).toBeCloseTo(0.6, 10);
    expect(crossEntropy(mat64(1, 2, [1, 0]), mat64(1, 2, [0, 0]))).toBeCloseTo(Math.LN2, 15);
    expect(crossEntropy(mat64(1, 2, [0, 1]), mat64(1, 2, [1e4, -1e4]))).toBe(2e4);
  });

  it('relu gradient is 0 at 0', () => {
    expect(Array.from(reluGrad(Float64Array.from([1, 1, 1]), Float64Array.from([-1, 0, 2])))).toEqual([0, 0, 1]);
  });

  it('central differences recover a known derivative to ~1e-9', () => {
    const x = Float64Array.from([0.3, -1.2, 2.5, 40]);
    const f = (v: Float64Array): number => v.reduce((s, xi) => s + Math.sin(xi) * xi * xi, 0);
    const fd = centralDifference(f, x, [0, 1, 2, 3]);
    x.forEach((xi, i) => {
      const exact = Math.cos(xi) * xi * xi + 2 * xi * Math.sin(xi);
      expect(Math.abs(fd[i] - exact)).toBeLessThan(1e-7 * Math.max(1, Math.abs(exact)));
    });
  });

  it('crossEntropyGrad equals finite differences of crossEntropy', () => {
    const y = mat64(3, 4, [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    const z = mat64(3, 4, wave(12, 0.5).map((v) => 3 * v));
    const g = crossEntropyGrad(y, z);
    const all = Array.from({ length: 12 }, (_, i) => i);
    const fd = centralDifference((v) => crossEntropy(y, mat64(3, 4, v)), z.data, all);
    all.forEach((i) => expect(Math.abs(fd[i] - g.data[i])).toBeLessThan(1e-9));
  });

  it('analytic MLP backprop equals finite differences of the loss (3→5→4→2, N=6), and the fast path agrees', () => {
    const params = tinyNet([3, 5, 4, 2]);
    const x = mat64(6, 3, wave(18, 7).map((v) => 2 * v));
    const y = mat64(6, 2, [1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]);
    const { loss, grads } = mlpBackprop64(params, x, y);
    expect(loss).toBeCloseTo(mlpLoss64(params, x, y), 14);
    for (let l = 0; l < 3; l++) {
      const w = params.weights[l];
      const all = Array.from({ length: w.data.length }, (_, i) => i);
      const fdFull = centralDifference((v) => mlpLoss64({ ...params, weights: params.weights.map((m, k) => (k === l ? mat64(m.rows, m.cols, v) : m)) }, x, y), w.data, all);
      const fdFast = centralDifferenceAt(mlpLossAlong64(params, x, y, l, 'W'), w.data, all);
      all.forEach((i) => {
        expect(Math.abs(fdFull[i] - grads.dW[l].data[i])).toBeLessThan(1e-8);
        expect(Math.abs(fdFast[i] - fdFull[i])).toBeLessThan(1e-9);
      });
      const bAll = Array.from({ length: params.biases[l].length }, (_, i) => i);
      const fdB = centralDifferenceAt(mlpLossAlong64(params, x, y, l, 'b'), params.biases[l], bAll);
      bAll.forEach((i) => expect(Math.abs(fdB[i] - grads.db[l][i])).toBeLessThan(1e-8));
    }
    // Not vacuous: the gradients are far from zero.
    expect(Math.max(...Array.from(grads.dW[0].data, Math.abs))).toBeGreaterThan(1e-3);
  });
});

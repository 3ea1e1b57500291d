/**
 * The fused backprop kernels ManualDenseParamGrads (dW = Xᵀ·G, db = 1ᵀ·G) and ManualHiddenDelta
 * ((G·Wᵀ) ⊙ 1(R > 0)) on every backend: against tfjs's matMul/sum/step, their gradients against
 * tf.grad of the same composition, the error when a backend lacks them, and their input checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualDenseParamGrads, ManualHiddenDelta, manualDenseParamGrads, manualHiddenDelta, registerCustomOps } from '../../custom-ops/index.js';
import { BACKEND_ROWS, RELU_EDGES, activate, edgeValues, expectClose, expectNoLeak, expectedReluGrad, randn, signedText } from './helpers.js';

/** [N, in, out]: a row, a column, odd sizes, and the default job's 128×784→256 and 128×256→10. */
const SIZES: Array<[number, number, number]> = [[1, 3, 2], [5, 1, 4], [7, 9, 3], [128, 784, 256], [128, 256, 10]];

/**
 * Products of random signs cancel, so two fp32 evaluations agree to ~ε32 of Σ|a_i b_i|, not of the
 * sum: the term scale |A|·|B| for expectClose (the 1e-5 bound itself is unchanged).
 */
function productTerms(a: Tensor2D, b: Tensor2D, transposeA: boolean, transposeB: boolean): Tensor {
  return tf.tidy(() => tf.matMul(tf.abs(a), tf.abs(b), transposeA, transposeB));
}

describe.each(BACKEND_ROWS)('fused backprop kernels on %s', (_title, probe) => {
  describe.skipIf(!probe.available)('', () => {
    beforeAll(async () => {
      await activate(probe.name);
      registerCustomOps();
    });

    it.each(SIZES)('manualDenseParamGrads(X, G) = [Xᵀ·G, Σ_rows G] for N=%i, in=%i, out=%i', (n, inputs, outputs) => {
      const x = randn([n, inputs], 1) as Tensor2D;
      const g = randn([n, outputs], 2, 0.1) as Tensor2D;
      const { dW, db } = manualDenseParamGrads(x, g);
      expect(dW.shape).toEqual([inputs, outputs]);
      expect(db.shape).toEqual([outputs]);
      expectClose(dW, tf.matMul(x, g, true, false), 'dW', productTerms(x, g, true, false));
      expectClose(db, tf.sum(g, 0), 'db', tf.sum(tf.abs(g), 0));
      tf.dispose([x, g]);
    });

    it.each(SIZES)('manualHiddenDelta(G, W, R) = (G·Wᵀ) ⊙ step(R) for N=%i, in=%i, out=%i', (n, inputs, outputs) => {
      const g = randn([n, outputs], 3, 0.1) as Tensor2D;
      const w = randn([inputs, outputs], 4, 0.05) as Tensor2D;
      const r = randn([n, inputs], 5) as Tensor2D;
      const got = manualHiddenDelta(g, w, r);
      expect(got.shape).toEqual([n, inputs]);
      const terms = tf.tidy(() => tf.mul(productTerms(g, w, false, true), tf.step(r)));
      expectClose(got, tf.mul(tf.matMul(g, w, false, true), tf.step(r)), 'hidden delta', terms);
      tf.dispose([g, w, r]);
    });

    it('the mask: relu\'(0) = 0 and NaN in R gives NaN, as ManualReluGrad', () => {
      const g = tf.tensor2d([[1, 2]]);
      const w = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
      const r = tf.tensor2d([[0, -1, Number.NaN]]);
      const r2 = tf.tensor2d([[1e-30, 5, -0]]);
      expect(Array.from(manualHiddenDelta(g, w, r).dataSync()).map(String)).toEqual(['0', '0', 'NaN']);
      expect(Array.from(manualHiddenDelta(g, w, r2).dataSync())).toEqual([1, 2, 0]);
      tf.dispose([g, w, r, r2]);
    });

    it('the mask bit for bit on edge values of R, under a product of both signs: +0 where R ≤ 0, NaN where R is NaN', () => {
      const cols = RELU_EDGES.length;
      const rows = 4;
      const g = tf.tensor2d([[1], [-2], [0.5], [-0.25]]);
      const w = tf.tensor2d(Array.from({ length: cols }, (_, i) => [i % 2 === 0 ? 1.5 : -3]));
      const pre = edgeValues(RELU_EDGES, rows * cols, 1);
      const r = tf.tensor2d(pre, [rows, cols]);
      const product = tf.matMul(g, w, false, true);
      const delta = manualHiddenDelta(g, w, r);
      expect(signedText(delta.dataSync())).toEqual(signedText(expectedReluGrad(product.dataSync(), pre)));
      tf.dispose([g, w, r, product, delta]);
    });

    it('gradients of both kernels equal tf.grad of the same math in tfjs ops (matMul, sum, mul by step)', () => {
      const x = randn([6, 5], 10) as Tensor2D;
      const g = randn([6, 4], 11, 0.5) as Tensor2D;
      const w = randn([5, 4], 12) as Tensor2D;
      const r = randn([6, 5], 13) as Tensor2D;
      const vW = randn([5, 4], 14);
      const vb = randn([4], 15);
      const vx = randn([6, 5], 16);
      // Scalar functions of each kernel's outputs, ours and composed.
      const ours = (xx: Tensor, gg: Tensor) => {
        const { dW, db } = manualDenseParamGrads(xx, gg);
        return tf.add(tf.sum(tf.mul(vW, dW)), tf.sum(tf.mul(vb, db)));
      };
      const theirs = (xx: Tensor, gg: Tensor) => tf.add(tf.sum(tf.mul(vW, tf.matMul(xx as Tensor2D, gg as Tensor2D, true, false))), tf.sum(tf.mul(vb, tf.sum(gg, 0))));
      const [oursX, oursG] = tf.grads(ours)([x, g]);
      const [theirsX, theirsG] = tf.grads(theirs)([x, g]);
      expectClose(oursX, theirsX, 'd/dx of dense param grads');
      expectClose(oursG, theirsG, 'd/dG of dense param grads');
      const oursDelta = (gg: Tensor, ww: Tensor) => tf.sum(tf.mul(vx, manualHiddenDelta(gg as Tensor2D, ww as Tensor2D, r)));
      const theirsDelta = (gg: Tensor, ww: Tensor) => tf.sum(tf.mul(vx, tf.mul(tf.matMul(gg as Tensor2D, ww as Tensor2D, false, true), tf.step(r))));
      const [dG, dWw] = tf.grads(oursDelta)([g, w]);
      const [dG2, dWw2] = tf.grads(theirsDelta)([g, w]);
      expectClose(dG, dG2, 'd/dG of hidden delta');
      expectClose(dWw, dWw2, 'd/dW of hidden delta');
      const dR = tf.grad((rr: Tensor) => tf.sum(tf.mul(vx, manualHiddenDelta(g, w, rr as Tensor2D))))(r);
      expect(Array.from(dR.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose([x, g, w, r, vW, vb, vx, dR]);
    });

    it('a backend without the kernels is an error naming kernel and backend (no composed fallback); back, they give the same values', () => {
      const x = randn([9, 7], 20) as Tensor2D;
      const g = randn([9, 3], 21) as Tensor2D;
      const w = randn([7, 3], 22) as Tensor2D;
      const r = randn([9, 7], 23) as Tensor2D;
      const before = { grads: manualDenseParamGrads(x, g), delta: manualHiddenDelta(g, w, r) };
      const configs = [ManualDenseParamGrads, ManualHiddenDelta].map((name) => tf.getKernel(name, probe.name));
      for (const config of configs) tf.unregisterKernel(config.kernelName, config.backendName);
      try {
        expectNoLeak(() => {
          expect(() => manualDenseParamGrads(x, g)).toThrow(`Kernel 'ManualDenseParamGrads' not registered for backend '${probe.name}'`);
          expect(() => manualHiddenDelta(g, w, r)).toThrow(`Kernel 'ManualHiddenDelta' not registered for backend '${probe.name}'`);
        });
      } finally {
        for (const config of configs) tf.registerKernel(config);
      }
      const after = { grads: manualDenseParamGrads(x, g), delta: manualHiddenDelta(g, w, r) };
      expect(after.grads.dW.dataSync()).toEqual(before.grads.dW.dataSync());
      expect(after.delta.dataSync()).toEqual(before.delta.dataSync());
      expectClose(after.grads.dW, tf.matMul(x, g, true, false), 'dW', productTerms(x, g, true, false));
      expectClose(after.grads.db, tf.sum(g, 0), 'db', tf.sum(tf.abs(g), 0));
      expectClose(after.delta, tf.mul(tf.matMul(g, w, false, true), tf.step(r)), 'delta', productTerms(g, w, false, true));
      tf.dispose([x, g, w, r, before.grads.dW, before.grads.db, before.delta]);
    });

    it('shapes that do not chain are rejected, naming the arguments, by the ops and the kernels, with no tensor leaked', () => {
      const a = tf.zeros([4, 3]);
      const b = tf.zeros([5, 2]);
      const c = tf.zeros([4, 2]);
      const v = tf.zeros([4]);
      const wide = tf.zeros([3, 5]);
      expectNoLeak(() => {
        expect(() => manualDenseParamGrads(a, b)).toThrow("manualDenseParamGrads: the rows of 'dy' is 5 but the rows of 'x' is 4");
        expect(() => manualDenseParamGrads(v, c)).toThrow("manualDenseParamGrads: argument 'x' must be a matrix (rank 2) but has shape [4]");
        expect(() => manualHiddenDelta(c, b, a)).toThrow("manualHiddenDelta: the columns of 'preActivation' is 3 but the rows of 'w' is 5");
        expect(() => manualHiddenDelta(c, wide, a)).toThrow("manualHiddenDelta: the columns of 'w' is 5 but the columns of 'dy' is 2");
        expect(() => tf.engine().runKernel(ManualDenseParamGrads, { x: a, dy: b })).toThrow("ManualDenseParamGrads: the rows of 'dy' is 5 but the rows of 'x' is 4");
        expect(() => tf.engine().runKernel(ManualHiddenDelta, { dy: c, w: a, preActivation: a })).toThrow("ManualHiddenDelta: the columns of 'w' is 3 but the columns of 'dy' is 2");
      });
      tf.dispose([a, b, c, v, wide]);
    });
  });
});

import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ManualRelu,
  ManualReluGrad,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  manualRelu,
  manualReluGrad,
  manualSoftmax,
  manualSoftmaxCrossEntropy,
  manualSoftmaxCrossEntropyGrad,
  registerCustomOps,
} from '../../custom-ops/index.js';
import {
  BACKEND_ROWS,
  RELU_EDGES,
  UPSTREAM_EDGES,
  activate,
  edgeValues,
  expectClose,
  expectNoLeak,
  expectedReluGrad,
  oneHotLabels,
  randn,
  registerHandgradKernels,
  signedText,
  softLabels,
} from './helpers.js';

const SHAPES: number[][] = [[6], [1, 4], [5, 7], [2, 3, 4]];

/** tf.losses.softmaxCrossEntropy's mean over rows, written as the built-in. */
const builtinCE = (y: Tensor, z: Tensor): Tensor => tf.losses.softmaxCrossEntropy(y, z);

/**
 * The reference for second order is first-order autodiff of the analytic first derivative
 * written with tfjs built-ins (tf.softmax, tf.step): nested tf.grad through tf.softmax / tf.exp
 * is wrong in tfjs 4.22, because a kernel's saved outputs are cloned onto the tape before the
 * kernel's own node, so the outer pass silently drops those paths.
 */
const rows = (z: Tensor): number => z.size / z.shape[z.shape.length - 1];

describe.each(BACKEND_ROWS)('gradients on %s', (_title, probe) => {
  describe.skipIf(!probe.available)('', () => {
    beforeAll(async () => {
      await activate(probe.name);
      registerCustomOps();
    });
    afterEach(() => {
      vi.restoreAllMocks();
      registerHandgradKernels(probe.name);
    });

    it.each(SHAPES)('d/dx Σ w⊙manualRelu(x) matches tf.grad of tf.relu for shape %j', (...shape) => {
      const x = randn(shape, 11);
      const w = randn(shape, 12);
      const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(w, manualRelu(t))))(x);
      const theirs = tf.grad((t: Tensor) => tf.sum(tf.mul(w, tf.relu(t))))(x);
      expectClose(ours, theirs, 'relu grad');
      tf.dispose([x, w]);
    });

    it.each(SHAPES)('d/dz Σ w⊙manualSoftmax(z) matches tf.grad of tf.softmax for shape %j', (...shape) => {
      const z = randn(shape, 13, 2);
      const w = randn(shape, 14);
      const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(w, manualSoftmax(t))))(z);
      const theirs = tf.grad((t: Tensor) => tf.sum(tf.mul(w, tf.softmax(t))))(z);
      // dz_k = p_k·(w_k − Σ_j w_j p_j): the terms' size is p_k·(|w_k| + |Σ_j w_j p_j|).
      const termScale = tf.tidy(() => {
        const p = tf.softmax(z);
        return tf.mul(p, tf.add(tf.abs(w), tf.abs(tf.sum(tf.mul(w, p), -1, true))));
      });
      expectClose(ours, theirs, 'softmax grad', termScale);
      tf.dispose([z, w]);
    });

    it.each(SHAPES)('d/dlogits of the loss matches tf.grad of tf.losses.softmaxCrossEntropy for shape %j', (...shape) => {
      const z = randn(shape, 15, 2);
      for (const y of [oneHotLabels(shape, 16), softLabels(shape, 17)]) {
        const ours = tf.grad((t: Tensor) => manualSoftmaxCrossEntropy(y, t))(z);
        const theirs = tf.grad((t: Tensor) => builtinCE(y, t))(z);
        expectClose(ours, theirs, 'CE logits grad');
        // The upstream scalar is applied: d(3·L)/dz = 3·dL/dz.
        const scaled = tf.grad((t: Tensor) => tf.mul(3, manualSoftmaxCrossEntropy(y, t)))(z);
        expectClose(scaled, tf.tidy(() => tf.mul(3, tf.grad((t: Tensor) => builtinCE(y, t))(z))), 'CE logits grad × 3');
        y.dispose();
      }
      z.dispose();
    });

    it.each(SHAPES)('d/dlabels of the loss matches tf.grad of −mean Σ y⊙logSoftmax(z) for shape %j', (...shape) => {
      const z = randn(shape, 18, 2);
      const y = softLabels(shape, 19);
      const ours = tf.grad((t: Tensor) => manualSoftmaxCrossEntropy(t, z))(y);
      // tf.losses.softmaxCrossEntropy's own labels gradient is (y − p)·dy, not the derivative of
      // its loss, so the reference is the loss spelt out with tf.logSoftmax.
      const theirs = tf.grad((t: Tensor) => tf.div(tf.sum(tf.mul(t, tf.logSoftmax(z))), -rows(z)))(y);
      expectClose(ours, theirs, 'CE labels grad');
      tf.dispose([z, y]);
    });

    it('manualReluGrad and manualSoftmaxCrossEntropyGrad match the built-in gradients directly', () => {
      const x = tf.tensor2d([[-2, 0, 3], [1e-3, -1e-3, 5]]);
      const dy = randn([2, 3], 20);
      expectClose(manualReluGrad(dy, x), tf.tidy(() => tf.mul(dy, tf.step(x))), 'relu grad kernel');
      const z = randn([4, 5], 21, 3);
      const y = oneHotLabels([4, 5], 22);
      const theirs = tf.tidy(() => tf.mul(-0.5, tf.grad((t: Tensor) => builtinCE(y, t))(z)));
      expectClose(manualSoftmaxCrossEntropyGrad(tf.scalar(-0.5), y, z), theirs, 'CE grad kernel');
      tf.dispose([x, dy, z, y]);
    });

    it.each([10, 33, 1000])('manualReluGrad bit for bit over %i edge values: dy where x > 0, NaN where x is NaN, +0 elsewhere even for a negative or infinite dy', (size) => {
      const xs = edgeValues(RELU_EDGES, size);
      const dys = edgeValues(UPSTREAM_EDGES, size, 4);
      const x = tf.tensor1d(xs);
      const dy = tf.tensor1d(dys);
      const dx = manualReluGrad(dy, x);
      expect(signedText(dx.dataSync())).toEqual(signedText(expectedReluGrad(dys, xs)));
      tf.dispose([x, dy, dx]);
    });

    it('gradients are finite for logits of ±1e4 and for a batch of one', () => {
      const z = tf.tensor2d([[1e4, -1e4, 0]]);
      const y = tf.tensor2d([[0, 1, 0]]);
      const g = tf.grad((t: Tensor) => manualSoftmaxCrossEntropy(y, t))(z);
      expect(Array.from(g.dataSync())).toEqual([1, -1, 0]);
      expectClose(g, tf.grad((t: Tensor) => builtinCE(y, t))(z), 'CE grad ±1e4');
      const gs = tf.grad((t: Tensor) => tf.sum(tf.mul(tf.tensor2d([[1, 2, 3]]), manualSoftmax(t))))(z);
      expect(Array.from(gs.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([z, y, gs]);
    });

    it('tf.grad runs our gradient kernels (spy on runKernel)', () => {
      const x = randn([3, 4], 23);
      const y = oneHotLabels([3, 4], 24);
      const spy = vi.spyOn(tf.engine(), 'runKernel');
      tf.grad((t: Tensor) => tf.sum(manualRelu(t)))(x).dispose();
      tf.grad((t: Tensor) => manualSoftmaxCrossEntropy(y, t))(x).dispose();
      const names = spy.mock.calls.map((call) => call[0]);
      expect(names).toContain(ManualRelu);
      expect(names).toContain(ManualReluGrad);
      expect(names).toContain(ManualSoftmaxCrossEntropy);
      expect(names).toContain(ManualSoftmaxCrossEntropyGrad);
      expect(names).not.toContain('Relu');
      tf.dispose([x, y]);
    });

    it('tf.grad fails without our gradient kernel, and works again after registering the kernels again', () => {
      const x = randn([2, 3], 25);
      const y = oneHotLabels([2, 3], 26);
      tf.unregisterKernel(ManualReluGrad, probe.name);
      tf.unregisterKernel(ManualSoftmaxCrossEntropyGrad, probe.name);
      expect(() => tf.grad((t: Tensor) => tf.sum(manualRelu(t)))(x)).toThrow(/ManualReluGrad/);
      expect(() => tf.grad((t: Tensor) => manualSoftmaxCrossEntropy(y, t))(x)).toThrow(/ManualSoftmaxCrossEntropyGrad/);
      registerHandgradKernels(probe.name);
      tf.grad((t: Tensor) => tf.sum(manualRelu(t)))(x).dispose();
      tf.dispose([x, y]);
    });

    describe('second order', () => {
      it('ManualRelu: d/dx Σ v⊙grad(x) is zero, d/d(dy) matches autodiff of dy⊙step(x)', () => {
        const x = randn([3, 5], 27);
        const w = randn([3, 5], 28);
        const v = randn([3, 5], 29);
        const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(v, tf.grad((s: Tensor) => tf.sum(tf.mul(w, manualRelu(s))))(t))))(x);
        const theirs = tf.grad((t: Tensor) => tf.sum(tf.mul(v, tf.grad((s: Tensor) => tf.sum(tf.mul(w, tf.relu(s))))(t))))(x);
        expect(Array.from(ours.dataSync()).every((value) => value === 0)).toBe(true);
        expectClose(ours, theirs, 'relu second order (x)');
        const oursDy = tf.grad((d: Tensor) => tf.sum(tf.mul(v, manualReluGrad(d, x))))(w);
        const theirsDy = tf.grad((d: Tensor) => tf.sum(tf.mul(v, tf.mul(d, tf.step(x)))))(w);
        expectClose(oursDy, theirsDy, 'relu second order (dy)');
        tf.dispose([x, w, v]);
      });

      it('ManualSoftmax: nested tf.grad matches autodiff of the built-in Jacobian-vector product', () => {
        const z = randn([3, 4], 30, 2);
        const w = randn([3, 4], 31);
        const v = randn([3, 4], 32);
        const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(v, tf.grad((s: Tensor) => tf.sum(tf.mul(w, manualSoftmax(s))))(t))))(z);
        const theirs = tf.grad((t: Tensor) => {
          const p = tf.softmax(t);
          return tf.sum(tf.mul(v, tf.mul(p, tf.sub(w, tf.sum(tf.mul(w, p), -1, true)))));
        })(z);
        expectClose(ours, theirs, 'softmax second order');
        tf.dispose([z, w, v]);
      });

      it('ManualSoftmaxCrossEntropy: nested tf.grad w.r.t. logits matches autodiff of (softmax(z) − y)/N', () => {
        const z = randn([4, 5], 33, 2);
        const y = oneHotLabels([4, 5], 34);
        const v = randn([4, 5], 35);
        const ours = tf.grad((t: Tensor) => tf.sum(tf.mul(v, tf.grad((s: Tensor) => manualSoftmaxCrossEntropy(y, s))(t))))(z);
        const theirs = tf.grad((t: Tensor) => tf.div(tf.sum(tf.mul(v, tf.sub(tf.softmax(t), y))), rows(t)))(z);
        expectClose(ours, theirs, 'CE second order');
        tf.dispose([z, y, v]);
      });

      it('ManualSoftmaxCrossEntropyGrad: gradients w.r.t. dy, labels and logits match autodiff of dy·(Σy·softmax(z) − y)/N', () => {
        const z = randn([3, 4], 36, 2);
        // Unnormalised positive labels exercise the Σ_k y_k factor of the general loss.
        const y = tf.tidy(() => tf.abs(randn([3, 4], 37)));
        const dy = tf.scalar(0.7);
        const v = randn([3, 4], 38);
        const ours = tf.grads((d: Tensor, l: Tensor, t: Tensor) => tf.sum(tf.mul(v, manualSoftmaxCrossEntropyGrad(d, l, t))))([dy, y, z]);
        const theirs = tf.grads((d: Tensor, l: Tensor, t: Tensor) => {
          const g = tf.div(tf.mul(d, tf.sub(tf.mul(tf.sum(l, -1, true), tf.softmax(t)), l)), rows(t));
          return tf.sum(tf.mul(v, g));
        })([dy, y, z]);
        ['dy', 'labels', 'logits'].forEach((name, i) => expectClose(ours[i], theirs[i], `CE grad second order (${name})`));
        tf.dispose([z, y, dy, v]);
      });
    });

    it('gradients and second-order gradients leak no tensors', () => {
      const z = randn([3, 4], 39);
      const y = oneHotLabels([3, 4], 40);
      expectNoLeak(() => {
        tf.grad((t: Tensor) => tf.sum(manualRelu(t)))(z).dispose();
        tf.grad((t: Tensor) => tf.sum(tf.mul(z, manualSoftmax(t))))(z).dispose();
        tf.grads((l: Tensor, t: Tensor) => manualSoftmaxCrossEntropy(l, t))([y, z]).forEach((g) => g.dispose());
        tf.grad((t: Tensor) => tf.sum(tf.grad((s: Tensor) => manualSoftmaxCrossEntropy(y, s))(t)))(z).dispose();
        manualReluGrad(z, z).dispose();
        manualSoftmaxCrossEntropyGrad(1, y, z).dispose();
      });
      tf.dispose([z, y]);
    });
  });
});

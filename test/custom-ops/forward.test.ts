import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualRelu, manualSoftmax, manualSoftmaxCrossEntropy, registerCustomOps } from '../../custom-ops/index.js';
import { BACKEND_ROWS, RELU_EDGES, activate, edgeValues, expectClose, expectNoLeak, oneHotLabels, randn, signedText, softLabels } from './helpers.js';

const SHAPES: number[][] = [[7], [1, 5], [4, 10], [2, 3, 6]];

describe.each(BACKEND_ROWS)('forward kernels on %s', (_title, probe) => {
  describe.skipIf(!probe.available)('', () => {
    beforeAll(async () => {
      await activate(probe.name);
      registerCustomOps();
    });

    it.each(SHAPES)('manualRelu matches tf.relu for shape %j', (...shape) => {
      const x = randn(shape, 1);
      expectClose(manualRelu(x), tf.relu(x), 'relu');
      x.dispose();
    });

    it.each(SHAPES)('manualSoftmax matches tf.softmax for shape %j', (...shape) => {
      const z = randn(shape, 2, 3);
      expectClose(manualSoftmax(z), tf.softmax(z), 'softmax');
      z.dispose();
    });

    it.each(SHAPES)('manualSoftmaxCrossEntropy matches tf.losses.softmaxCrossEntropy for shape %j', (...shape) => {
      const z = randn(shape, 3, 3);
      const y = oneHotLabels(shape, 4);
      const soft = softLabels(shape, 5);
      expectClose(manualSoftmaxCrossEntropy(y, z), tf.losses.softmaxCrossEntropy(y, z), 'CE one-hot');
      expectClose(manualSoftmaxCrossEntropy(soft, z), tf.losses.softmaxCrossEntropy(soft, z), 'CE soft labels');
      tf.dispose([z, y, soft]);
    });

    it('relu of an all-negative row is all zeros, and relu(0) = 0', () => {
      const x = tf.tensor2d([[-3, -0.5, -1e-7], [0, 2, -0]]);
      const y = manualRelu(x);
      expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0, 2, 0]);
      tf.dispose([x, y]);
    });

    it.each([10, 33, 1000])('relu bit for bit over %i edge values: +0 for −0 and every x ≤ 0, NaN kept, ±∞ and tiny values as they are', (size) => {
      const values = edgeValues(RELU_EDGES, size, 3);
      const x = tf.tensor1d(values);
      const y = manualRelu(x);
      expect(signedText(y.dataSync())).toEqual(signedText(values.map((v) => (v > 0 || Number.isNaN(v) ? v : 0))));
      tf.dispose([x, y]);
    });

    it('softmax of an all-negative row (and a row of -1e4s) is finite and sums to 1', () => {
      const z = tf.tensor2d([[-1000, -1001, -1002], [-1e4, -1e4, -1e4]]);
      const p = manualSoftmax(z);
      const values = Array.from(p.dataSync());
      expect(values.every(Number.isFinite)).toBe(true);
      expect(values.slice(3)).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
      expectClose(p, tf.softmax(z), 'softmax all-negative');
      z.dispose();
    });

    it('softmax and cross-entropy stay finite for logits of ±1e4', () => {
      const z = tf.tensor2d([[1e4, -1e4, 0], [-1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]]);
      const y = tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
      const p = manualSoftmax(z);
      expect(Array.from(p.dataSync())).toEqual([1, 0, 0, 0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
      const loss = manualSoftmaxCrossEntropy(y, z);
      // Row losses: 2e4, 2e4 + log 2, log 3; mean over the 3 rows.
      const expected = (2e4 + 2e4 + Math.LN2 + Math.log(3)) / 3;
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      expect(Math.abs(loss.dataSync()[0] - expected) / expected).toBeLessThan(1e-6);
      expectClose(loss, tf.losses.softmaxCrossEntropy(y, z), 'CE ±1e4');
      tf.dispose([z, y, p]);
    });

    it('a batch of one row, given as rank 1 or as [1, K], gives the same loss', () => {
      const z = [0.5, -1.25, 2, 0.125];
      const y = [0, 0, 1, 0];
      const rank1 = manualSoftmaxCrossEntropy(y, z);
      const rank2 = manualSoftmaxCrossEntropy([y], [z]);
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      expect(rank1.shape).toEqual([]);
      expect(rank1.dataSync()[0]).toBeCloseTo(lse - 2, 5);
      expect(rank2.dataSync()[0]).toBe(rank1.dataSync()[0]);
      tf.dispose([rank1, rank2]);
    });

    it('ops accept TensorLike arrays like tfjs ops do', () => {
      const p = manualSoftmax([[1, 2, 3]]);
      const q = tf.softmax(tf.tensor2d([[1, 2, 3]]));
      expectClose(p, q, 'softmax from array');
      const r = manualRelu(new Float32Array([-1, 2]));
      expect(Array.from(r.dataSync())).toEqual([0, 2]);
      r.dispose();
    });

    it('NaN propagates like the tfjs built-ins', () => {
      const x = tf.tensor2d([[Number.NaN, 1, -1], [0.5, 2, -3]]);
      const y = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
      const relu = manualRelu(x);
      const p = manualSoftmax(x);
      const loss = manualSoftmaxCrossEntropy(y, x);
      expect(Array.from(relu.dataSync())).toEqual(Array.from(tf.relu(x).dataSync()));
      expect(Array.from(p.dataSync()).slice(0, 3).every(Number.isNaN)).toBe(true);
      expectClose(p.slice([1, 0], [1, 3]), tf.softmax(x).slice([1, 0], [1, 3]), 'softmax row without NaN');
      expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
      const g = tf.grad((t) => tf.sum(manualRelu(t)))(x);
      expect(Array.from(g.dataSync())).toEqual(Array.from(tf.grad((t) => tf.sum(tf.relu(t)))(x).dataSync()));
      tf.dispose([x, y, relu, p, loss, g]);
    });

    it('forward ops leak no tensors (including converted TensorLike inputs)', () => {
      const z = randn([3, 4], 6);
      const y = oneHotLabels([3, 4], 7);
      expectNoLeak(() => {
        manualRelu(z).dispose();
        manualSoftmax(z).dispose();
        manualSoftmaxCrossEntropy(y, z).dispose();
        manualSoftmaxCrossEntropy([[0, 1]], [[0.5, 0.25]]).dispose();
        expect(() => manualRelu([1, 2, 3].map(String) as unknown as number[])).toThrow(/'x'/);
      });
      tf.dispose([z, y]);
    });
  });
});

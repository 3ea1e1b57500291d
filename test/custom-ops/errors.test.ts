import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ManualRelu,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  manualRelu,
  manualReluGrad,
  manualSoftmax,
  manualSoftmaxCrossEntropy,
  manualSoftmaxCrossEntropyGrad,
  registerCustomOps,
} from '../../custom-ops/index.js';
import { BACKEND_ROWS, activate, expectNoLeak } from './helpers.js';

describe.each(BACKEND_ROWS)('bad input on %s', (_title, probe) => {
  describe.skipIf(!probe.available)('', () => {
    beforeAll(async () => {
      await activate(probe.name);
      registerCustomOps();
    });

    it('int32 inputs are rejected, naming the argument', () => {
      const ints = tf.tensor2d([[1, 2]], [1, 2], 'int32');
      const floats = tf.tensor2d([[1, 2]]);
      expect(() => manualRelu(ints)).toThrow("manualRelu: argument 'x' must be float32 but has dtype int32");
      expect(() => manualSoftmax(ints)).toThrow("manualSoftmax: argument 'logits' must be float32 but has dtype int32");
      expect(() => manualSoftmaxCrossEntropy(ints, floats)).toThrow("manualSoftmaxCrossEntropy: argument 'labels' must be float32");
      expect(() => manualSoftmaxCrossEntropy(floats, ints)).toThrow("manualSoftmaxCrossEntropy: argument 'logits' must be float32");
      expect(() => manualReluGrad(ints, floats)).toThrow("manualReluGrad: argument 'dy' must be float32");
      expect(() => manualSoftmaxCrossEntropyGrad(tf.scalar(1, 'int32'), floats, floats)).toThrow(
        "manualSoftmaxCrossEntropyGrad: argument 'dy' must be float32",
      );
      tf.dispose([ints, floats]);
    });

    it('rank-0 inputs are rejected, naming the argument', () => {
      expect(() => manualRelu(tf.scalar(2))).toThrow("manualRelu: argument 'x' must have rank >= 1 but is a scalar");
      expect(() => manualRelu(2)).toThrow("manualRelu: argument 'x' must have rank >= 1");
      expect(() => manualSoftmax(1.5)).toThrow("manualSoftmax: argument 'logits' must have rank >= 1");
      expect(() => manualSoftmaxCrossEntropy(1, 0.5)).toThrow("manualSoftmaxCrossEntropy: argument 'labels' must have rank >= 1");
    });

    it('zero-size inputs are rejected, naming the argument', () => {
      const empty = tf.zeros([0, 3]);
      const emptyClasses = tf.zeros([2, 0]);
      expect(() => manualRelu(empty)).toThrow("manualRelu: argument 'x' is empty (shape [0,3])");
      expect(() => manualSoftmax(emptyClasses)).toThrow("manualSoftmax: argument 'logits' is empty (shape [2,0])");
      expect(() => manualSoftmaxCrossEntropy(empty, empty)).toThrow("manualSoftmaxCrossEntropy: argument 'labels' is empty");
      expect(() => manualSoftmaxCrossEntropy([], [])).toThrow("argument 'labels' is empty (shape [0])");
      tf.dispose([empty, emptyClasses]);
    });

    it('mismatched shapes are rejected, naming both arguments', () => {
      const labels = tf.zeros([2, 3]);
      const logits = tf.zeros([2, 4]);
      expect(() => manualSoftmaxCrossEntropy(labels, logits)).toThrow(
        "manualSoftmaxCrossEntropy: argument 'labels' has shape [2,3] but 'logits' has shape [2,4]",
      );
      expect(() => manualReluGrad(labels, logits)).toThrow("manualReluGrad: argument 'dy' has shape [2,3] but 'x' has shape [2,4]");
      expect(() => manualSoftmaxCrossEntropyGrad(tf.ones([2]), logits, logits)).toThrow(
        "manualSoftmaxCrossEntropyGrad: argument 'dy' must be a scalar but has shape [2]",
      );
      tf.dispose([labels, logits]);
    });

    it('non-tensor arguments are rejected, naming the argument', () => {
      expect(() => manualRelu({})).toThrow("manualRelu: argument 'x' must be a Tensor or TensorLike, but got Object");
      expect(() => manualSoftmax(null as unknown as number[])).toThrow("manualSoftmax: argument 'logits' must be a Tensor or TensorLike, but got null");
      expect(() => manualSoftmax([[1, 2], [3]])).toThrow("manualSoftmax: argument 'logits' is not a valid tensor");
      const disposed = tf.ones([2]);
      disposed.dispose();
      expect(() => manualRelu(disposed)).toThrow("manualRelu: argument 'x' is a disposed tensor");
    });

    it('the kernels check their own inputs when called through runKernel', () => {
      const ints = tf.tensor1d([1, 2], 'int32');
      const a = tf.zeros([2, 3]);
      const b = tf.zeros([3, 2]);
      expect(() => tf.engine().runKernel(ManualRelu, { x: ints })).toThrow("ManualRelu: input 'x' must be float32 but is int32");
      expect(() => tf.engine().runKernel(ManualSoftmaxCrossEntropy, { labels: a, logits: b })).toThrow(
        "ManualSoftmaxCrossEntropy: input 'labels' has shape [2,3] but 'logits' has shape [3,2]",
      );
      expect(() => tf.engine().runKernel(ManualSoftmaxCrossEntropyGrad, { dy: a, labels: a, logits: a })).toThrow(
        "ManualSoftmaxCrossEntropyGrad: input 'dy' must hold one value but has shape [2,3]",
      );
      tf.dispose([ints, a, b]);
    });

    it('a rejected call leaks no tensors', () => {
      expectNoLeak(() => {
        expect(() => manualSoftmaxCrossEntropy([[0, 1, 0]], [[1, 2]])).toThrow(/'labels'/);
        expect(() => manualRelu([[1, 2]].map((row) => row.map(() => 'a')) as unknown as number[][])).toThrow(/'x'/);
      });
    });
  });
});

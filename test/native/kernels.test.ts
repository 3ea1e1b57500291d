/** Every native kernel against the cpu backend on the same inputs. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  manualRelu,
  manualReluGrad,
  manualSoftmax,
  manualSoftmaxCrossEntropy,
  manualSoftmaxCrossEntropyGrad,
  registerCustomOps,
} from '../../custom-ops/index.js';
import { SKIP_REASON, NATIVE_MISSING, expectNativeMatchesCpu, randomValues } from './helpers.js';

// 300×257 = 77100 elements: above the addon's per-thread grain (65536), so the threaded paths run.
const R = 300;
const C = 257;

function withSpecials(values: Float32Array): Float32Array {
  const v = values.slice();
  v[0] = 0;
  v[1] = -0;
  v[2] = NaN;
  v[3] = Infinity;
  v[4] = -Infinity;
  return v;
}

describe.skipIf(NATIVE_MISSING)(`native custom kernels vs cpu${SKIP_REASON}`, () => {
  beforeAll(() => registerCustomOps());

  it('ManualRelu, with 0, −0, NaN, ±Inf', async () => {
    await expectNativeMatchesCpu(() => manualRelu(tf.tensor2d(withSpecials(randomValues(R * C, 1)), [R, C])), { exact: true, via: 'relu' });
  });

  it('ManualReluGrad, relu′(0) = 0 and NaN in x giving NaN', async () => {
    await expectNativeMatchesCpu(
      () => manualReluGrad(tf.tensor2d(randomValues(R * C, 2), [R, C]), tf.tensor2d(withSpecials(randomValues(R * C, 3)), [R, C])),
      { exact: true, via: 'reluGrad' },
    );
  });

  it('ManualSoftmax over rows of 10 and of 257, large logits included', async () => {
    await expectNativeMatchesCpu(() => manualSoftmax(tf.tensor2d(randomValues(8000 * 10, 4, 30), [8000, 10])), { via: 'softmax' });
    await expectNativeMatchesCpu(() => manualSoftmax(tf.tensor3d(randomValues(2 * R * C, 5, 5), [2, R, C])), { via: 'softmax' });
  });

  it('ManualSoftmaxCrossEntropy with one-hot and with soft labels', async () => {
    const logits = randomValues(8000 * 10, 6, 4);
    const oneHot = () => tf.oneHot(tf.tensor1d(Array.from({ length: 8000 }, (_, i) => (i * 7) % 10), 'int32'), 10).toFloat();
    await expectNativeMatchesCpu(() => manualSoftmaxCrossEntropy(oneHot(), tf.tensor2d(logits, [8000, 10])), { via: 'softmaxCrossEntropy' });
    await expectNativeMatchesCpu(() => manualSoftmaxCrossEntropy(tf.softmax(tf.tensor2d(randomValues(8000 * 10, 7), [8000, 10])), tf.tensor2d(logits, [8000, 10])), { via: 'softmaxCrossEntropy' });
  });

  it('ManualSoftmaxCrossEntropyGrad with dy = 2.5', async () => {
    const labels = () => tf.softmax(tf.tensor2d(randomValues(R * C, 8), [R, C]));
    await expectNativeMatchesCpu(() => manualSoftmaxCrossEntropyGrad(tf.scalar(2.5), labels(), tf.tensor2d(randomValues(R * C, 9, 3), [R, C])), { via: 'softmaxCrossEntropyGrad' });
  });
});

describe.skipIf(NATIVE_MISSING)(`native built-in kernels vs cpu${SKIP_REASON}`, () => {
  const a = () => tf.tensor2d(randomValues(R * C, 10), [R, C]);
  const b = () => tf.tensor2d(randomValues(R * C, 11), [R, C]);
  const row = () => tf.tensor1d(randomValues(C, 12));
  const column = () => tf.tensor2d(randomValues(R, 13), [R, 1]);

  it.each([
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
  ] as const)('%s: same shape, row, column, scalar and outer broadcasts, both operand orders (bit-equal)', async (_name, op) => {
    const binary = op as (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;
    await expectNativeMatchesCpu(() => binary(a(), b()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(a(), row()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(row(), a()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(a(), column()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(column(), a()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(a(), tf.scalar(1.75)), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(tf.scalar(-0.5), a()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(column(), tf.reshape(row(), [1, C])), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(tf.tensor3d(randomValues(4 * R * C, 14), [4, R, C]), tf.reshape(a(), [1, R, C])), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => binary(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])), { exact: true, via: 'binary' });
  });

  it('maximum and minimum of ±0 and NaN follow Math.max / Math.min', async () => {
    const x = () => tf.tensor1d([0, -0, -0, 0, NaN, 1, -Infinity]);
    const y = () => tf.tensor1d([-0, 0, -0, 0, 1, NaN, Infinity]);
    await expectNativeMatchesCpu(() => tf.maximum(x(), y()), { exact: true, via: 'binary' });
    await expectNativeMatchesCpu(() => tf.minimum(x(), y()), { exact: true, via: 'binary' });
  });

  it('int32 and a middle-axis broadcast go to the cpu kernel and still agree', async () => {
    await expectNativeMatchesCpu(() => tf.add(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor1d([5, 6], 'int32')), { exact: true, notVia: 'binary' });
    await expectNativeMatchesCpu(() => tf.mul(tf.tensor3d(randomValues(2 * 3 * 4, 15), [2, 3, 4]), tf.tensor3d(randomValues(2 * 4, 16), [2, 1, 4])), { exact: true, notVia: 'binary' });
  });

  it('relu, step, neg, exp, log (NaN and ±Inf included)', async () => {
    const x = () => tf.tensor2d(withSpecials(randomValues(R * C, 17)), [R, C]);
    await expectNativeMatchesCpu(() => tf.relu(x()), { exact: true, via: 'relu' });
    await expectNativeMatchesCpu(() => tf.step(x(), 0.25), { exact: true, via: 'step' });
    await expectNativeMatchesCpu(() => tf.neg(x()), { exact: true, via: 'unary' });
    await expectNativeMatchesCpu(() => tf.exp(x()), { exact: true, via: 'unary' });
    await expectNativeMatchesCpu(() => tf.log(tf.abs(x())), { exact: true, via: 'unary' });
  });

  it('sum over leading axes, trailing axes, all axes, keepDims; a middle axis falls back', async () => {
    const x3 = () => tf.tensor3d(randomValues(40 * 30 * 70, 18), [40, 30, 70]);
    await expectNativeMatchesCpu(() => tf.sum(a(), 0), { via: 'sumLeading' });
    await expectNativeMatchesCpu(() => tf.sum(a(), 1), { via: 'sumTrailing' });
    await expectNativeMatchesCpu(() => tf.sum(a(), 0, true), { via: 'sumLeading' });
    await expectNativeMatchesCpu(() => tf.sum(a(), -1, true), { via: 'sumTrailing' });
    await expectNativeMatchesCpu(() => tf.sum(a()), { via: 'sumLeading' });
    await expectNativeMatchesCpu(() => tf.sum(x3(), [0, 1]), { via: 'sumLeading' });
    await expectNativeMatchesCpu(() => tf.sum(x3(), [1, 2]), { via: 'sumTrailing' });
    await expectNativeMatchesCpu(() => tf.sum(x3(), 1), { notVia: 'sumLeading' });
    await expectNativeMatchesCpu(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0), { exact: true });
  });

  it('transpose of a matrix and of a batch of matrices; other perms fall back', async () => {
    await expectNativeMatchesCpu(() => tf.transpose(a()), { exact: true, via: 'transpose' });
    await expectNativeMatchesCpu(() => tf.transpose(tf.tensor3d(randomValues(3 * 70 * 45, 19), [3, 70, 45]), [0, 2, 1]), { exact: true, via: 'transpose' });
    await expectNativeMatchesCpu(() => tf.transpose(tf.tensor3d(randomValues(3 * 70 * 45, 20), [3, 70, 45]), [2, 0, 1]), { exact: true, notVia: 'transpose' });
  });

  it('sum of an [N, 1000] gradient is accumulated in double: matches a float64 sum to fp32 rounding', async () => {
    const values = randomValues(5000 * 3, 21, 100);
    await tf.setBackend('native');
    const got = tf.tidy(() => tf.sum(tf.tensor2d(values, [5000, 3]), 0)).dataSync();
    for (let j = 0; j < 3; j++) {
      let exact = 0;
      for (let i = 0; i < 5000; i++) exact += values[i * 3 + j];
      expect(got[j]).toBe(Math.fround(exact));
    }
  });
});

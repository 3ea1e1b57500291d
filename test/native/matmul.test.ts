/** BatchMatMul and _FusedMatMul on native (sgemm) against the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { SKIP_REASON, NATIVE_MISSING, expectNativeMatchesCpu, randomValues, TRANSPOSES } from './helpers.js';

const M = 67;
const K = 45;
const N = 53;

/** A with shape [..., M, K] or, transposed, [..., K, M]; likewise B. */
function operands(transposeA: boolean, transposeB: boolean, batchA: number[] = [], batchB: number[] = []) {
  const aShape = [...batchA, ...(transposeA ? [K, M] : [M, K])];
  const bShape = [...batchB, ...(transposeB ? [N, K] : [K, N])];
  const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
  return {
    a: () => tf.tensor(randomValues(size(aShape), 100 + size(aShape)), aShape),
    b: () => tf.tensor(randomValues(size(bShape), 200 + size(bShape)), bShape),
  };
}

/** Σ_k |a_ik|·|b_kj| (+ |bias|): the size of the terms each output sums. */
function terms(a: () => tf.Tensor, b: () => tf.Tensor, ta: boolean, tb: boolean, bias?: () => tf.Tensor): () => tf.Tensor {
  return () => {
    const product = tf.matMul(tf.abs(a()), tf.abs(b()), ta, tb);
    return bias ? tf.add(product, tf.abs(bias())) : product;
  };
}

describe.skipIf(NATIVE_MISSING)(`native matMul vs cpu${SKIP_REASON}`, () => {
  it.each(TRANSPOSES)('matMul transposeA=%s transposeB=%s', async (ta, tb) => {
    const { a, b } = operands(ta, tb);
    await expectNativeMatchesCpu(() => tf.matMul(a(), b(), ta, tb), { via: 'matmul', termScale: terms(a, b, ta, tb) });
  });

  it.each(TRANSPOSES)('batched [3, 2] × [3, 2] and broadcast [2] × [] batches, transposeA=%s transposeB=%s', async (ta, tb) => {
    const same = operands(ta, tb, [3, 2], [3, 2]);
    await expectNativeMatchesCpu(() => tf.matMul(same.a(), same.b(), ta, tb), { via: 'matmul', termScale: terms(same.a, same.b, ta, tb) });
    const broadcast = operands(ta, tb, [2], []);
    await expectNativeMatchesCpu(() => tf.matMul(broadcast.a(), broadcast.b(), ta, tb), { via: 'matmul', termScale: terms(broadcast.a, broadcast.b, ta, tb) });
    const broadcastA = operands(ta, tb, [1], [4]);
    await expectNativeMatchesCpu(() => tf.matMul(broadcastA.a(), broadcastA.b(), ta, tb), { via: 'matmul', termScale: terms(broadcastA.a, broadcastA.b, ta, tb) });
  });

  it.each(TRANSPOSES)('fused: bias row / scalar / full M×N, relu and linear, transposeA=%s transposeB=%s', async (ta, tb) => {
    const { a, b } = operands(ta, tb);
    const biases = [() => tf.tensor1d(randomValues(N, 300)), () => tf.scalar(0.3), () => tf.tensor2d(randomValues(M * N, 301), [M, N]), () => tf.tensor2d(randomValues(N, 302), [1, N])];
    for (const bias of biases) {
      for (const activation of ['relu', 'linear'] as const) {
        await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), transposeA: ta, transposeB: tb, bias: bias(), activation }), {
          via: 'matmul',
          termScale: terms(a, b, ta, tb, bias),
        });
      }
    }
    await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), transposeA: ta, transposeB: tb, activation: 'relu' }), { via: 'matmul', termScale: terms(a, b, ta, tb) });
  });

  it.each(TRANSPOSES)('products big enough to split across threads, by rows, by columns and by batch, transposeA=%s transposeB=%s', async (ta, tb) => {
    // [m, k, n, batch]: 1200×96·96×130 splits by rows, 90×96·96×1500 by columns, 4 × 160×96·96×120 by batch.
    for (const [m, k, n, batch] of [[1200, 96, 130, 1], [90, 96, 1500, 1], [160, 96, 120, 4]]) {
      const aShape = [...(batch > 1 ? [batch] : []), ...(ta ? [k, m] : [m, k])];
      const bShape = [...(batch > 1 ? [batch] : []), ...(tb ? [n, k] : [k, n])];
      const a = () => tf.tensor(randomValues(aShape.reduce((p, q) => p * q), 500 + m), aShape);
      const b = () => tf.tensor(randomValues(bShape.reduce((p, q) => p * q), 600 + n), bShape);
      const bias = () => tf.tensor1d(randomValues(n, 700));
      await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), transposeA: ta, transposeB: tb, bias: bias(), activation: 'relu' }), {
        via: 'matmul',
        termScale: terms(a, b, ta, tb, bias),
      });
    }
  });

  it('fused activations and biases the addon does not cover fall back to the cpu kernel', async () => {
    const { a, b } = operands(false, false);
    await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(randomValues(N, 303)), activation: 'elu' }), { notVia: 'matmul' });
    await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), activation: 'leakyrelu', leakyreluAlpha: 0.1 }), { notVia: 'matmul' });
    // A column bias [M, 1] is a broadcast sgemm's epilogue does not do.
    await expectNativeMatchesCpu(() => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor2d(randomValues(M, 304), [M, 1]) }), { notVia: 'matmul' });
  });

  it('int32 matMul falls back and agrees exactly', async () => {
    await expectNativeMatchesCpu(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')), { exact: true, notVia: 'matmul' });
  });

  it('the forward and backward products of the homework network, 256×784 → 1000 (K = 784 and K = 256)', async () => {
    const x = () => tf.tensor2d(randomValues(256 * 784, 400), [256, 784]);
    const w = () => tf.tensor2d(randomValues(784 * 1000, 401, 0.05), [784, 1000]);
    const g = () => tf.tensor2d(randomValues(256 * 1000, 402, 1e-3), [256, 1000]);
    await expectNativeMatchesCpu(() => tf.matMul(x(), w()), { via: 'matmul', termScale: terms(x, w, false, false) });
    await expectNativeMatchesCpu(() => tf.matMul(x(), g(), true, false), { via: 'matmul', termScale: terms(x, g, true, false) });
  });
});

/**
 * On wasm, BatchMatMul and _FusedMatMul (wrapped by registerCustomOps, which the app's backend loader
 * calls after importing tfjs-backend-wasm) and ManualDenseParamGrads skip the zeros of a mostly-zero left operand
 * (zero_skipping.wat): the float64 product to fp32 rounding, bias and relu included; XNNPACK for
 * denser operands and for a B holding ±Inf or NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualDenseParamGrads, registerCustomOps, unregisterCustomOps } from '../../custom-ops/index.js';
import { zeroSkippingProductCount } from '../../custom-ops/backends/wasm/zero_skipping.js';
import { clippingBias, maxRelativeError, randomMatrix, referenceProduct, type ProductShape } from '../helpers/products.js';
import { xavierInit } from '../../src/model/mlp.js';
import { EVAL_CHUNK } from '../../src/train/config.js';
import { evalRowsOf, evaluate } from '../../src/train/loop.js';
import { activate, availabilityOf } from './helpers.js';

const WASM = availabilityOf('wasm');

const FORWARD: ProductShape = { m: 128, n: 256, k: 784, transposeA: false };
const WEIGHT_GRADIENT: ProductShape = { m: 784, n: 256, k: 128, transposeA: true };

/** Runs `product` and returns its values and how many zero-skipping products it ran. */
function counted(product: () => tf.Tensor): { values: Float32Array; skipped: number } {
  const before = zeroSkippingProductCount();
  const result = product();
  const values = result.dataSync() as Float32Array;
  result.dispose();
  return { values, skipped: zeroSkippingProductCount() - before };
}

function operands(shape: ProductShape, zeroShare: number, seed: string): { a: tf.Tensor2D; b: tf.Tensor2D; aValues: Float32Array; bValues: Float32Array } {
  const aValues = randomMatrix(shape.m * shape.k, zeroShare, `${seed}-a`);
  const bValues = randomMatrix(shape.k * shape.n, 0, `${seed}-b`);
  const a = tf.tensor2d(aValues, shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k]);
  return { a, b: tf.tensor2d(bValues, [shape.k, shape.n]), aValues, bValues };
}

describe.skipIf(!WASM.available)(`wasm: products skip the zeros of a mostly-zero left operand${WASM.skipNote}`, () => {
  beforeAll(async () => {
    await activate('wasm');
  });

  for (const [name, shape] of [
    ['tf.matMul(X, W): 128×784 · 784×256', FORWARD],
    ['tf.matMul(X, G, transposeA): 784×128ᵀ · 128×256', WEIGHT_GRADIENT],
    ['a width that is no multiple of the 16-column tile (n = 100)', { ...FORWARD, n: 100 }],
  ] as const) {
    it(`${name}, 80 % zeros: zero-skipping, the float64 product within 1e-5`, () => {
      const { a, b, aValues, bValues } = operands(shape, 0.8, name);
      const { values, skipped } = counted(() => tf.matMul(a, b, shape.transposeA, false));
      expect(skipped).toBe(1);
      expect(maxRelativeError(values, referenceProduct(aValues, bValues, shape))).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    });
  }

  it('BatchMatMul of a matrix and a batch of one gives the batch-of-one shape [1, m, n], as XNNPACK does', () => {
    const { a, b, aValues, bValues } = operands(FORWARD, 0.8, 'batch-of-one');
    const b3 = b.reshape([1, FORWARD.k, FORWARD.n]);
    const before = zeroSkippingProductCount();
    const c = tf.engine().runKernel<tf.Tensor>('BatchMatMul', { a, b: b3 }, { transposeA: false, transposeB: false });
    expect(zeroSkippingProductCount() - before).toBe(1);
    expect(c.shape).toEqual([1, FORWARD.m, FORWARD.n]);
    expect(maxRelativeError(c.dataSync(), referenceProduct(aValues, bValues, FORWARD))).toBeLessThan(1e-5);
    tf.dispose([a, b, b3, c]);
  });

  it('a bias of rank 2 is left to tfjs-backend-wasm, which refuses it', () => {
    const { a, b } = operands(FORWARD, 0.8, 'rank-2-bias');
    const bias = tf.zeros([1, FORWARD.n]);
    const before = zeroSkippingProductCount();
    expect(() => tf.engine().runKernel('_FusedMatMul', { a, b, bias }, { transposeA: false, transposeB: false, activation: 'linear' })).toThrow(/rank-1 bias/);
    expect(zeroSkippingProductCount()).toBe(before);
    tf.dispose([a, b, bias]);
  });

  it('tf.fused.matMul with a bias and relu (the forward layer), and with no activation', () => {
    const { a, b, aValues, bValues } = operands(FORWARD, 0.8, 'fused');
    const biasValues = clippingBias(FORWARD.n, 'fused-bias');
    const bias = tf.tensor1d(biasValues);
    for (const activation of ['relu', 'linear'] as const) {
      const { values, skipped } = counted(() => tf.fused.matMul({ a, b, bias, activation }));
      expect(skipped, activation).toBe(1);
      const expected = referenceProduct(aValues, bValues, { ...FORWARD, bias: biasValues, relu: activation === 'relu' });
      expect(maxRelativeError(values, expected), activation).toBeLessThan(1e-5);
      if (activation === 'relu') expect(values.some((x) => x === 0) && values.some((x) => x > 0)).toBe(true);
    }
    tf.dispose([a, b, bias]);
  });

  it('ManualDenseParamGrads: dW = xᵀ·dy reads xᵀ in place', () => {
    const shape = WEIGHT_GRADIENT;
    const { a: x, b: dy, aValues, bValues } = operands(shape, 0.8, 'param-grads');
    let db: tf.Tensor | undefined;
    const { values, skipped } = counted(() => {
      const grads = manualDenseParamGrads(x, dy);
      db = grads.db;
      return grads.dW;
    });
    expect(skipped).toBe(1);
    expect(maxRelativeError(values, referenceProduct(aValues, bValues, shape))).toBeLessThan(1e-5);
    tf.dispose([x, dy]);
    db?.dispose();
  });

  it('±Inf or NaN in B: XNNPACK, whose 0·Inf gives NaN down the columns that value reaches', () => {
    for (const poison of [Infinity, NaN]) {
      const { a, b: clean } = operands(FORWARD, 0.8, 'poison');
      const bValues = clean.dataSync().slice();
      bValues[3 * FORWARD.n + 7] = poison; // row 3 of B meets column 3 of X, mostly zeros
      const b = tf.tensor2d(bValues, [FORWARD.k, FORWARD.n]);
      const { values, skipped } = counted(() => tf.matMul(a, b));
      expect(skipped).toBe(0);
      const column = Array.from({ length: FORWARD.m }, (_, i) => values[i * FORWARD.n + 7]);
      expect(column.every((v) => Number.isNaN(v) || !Number.isFinite(v))).toBe(true);
      tf.dispose([a, b, clean]);
    }
  });

  it('an operand with few zeros (30 %), a small product or a transposed B stay with XNNPACK', () => {
    const dense = operands(FORWARD, 0.3, 'dense');
    expect(counted(() => tf.matMul(dense.a, dense.b)).skipped).toBe(0);
    const small = operands({ m: 16, n: 32, k: 64, transposeA: false }, 0.9, 'small');
    expect(counted(() => tf.matMul(small.a, small.b)).skipped).toBe(0);
    const sparse = operands(FORWARD, 0.8, 'transposed-b');
    const bT = sparse.b.transpose();
    expect(counted(() => tf.matMul(sparse.a, bT, false, true)).skipped).toBe(0);
    tf.dispose([dense.a, dense.b, small.a, small.b, sparse.a, sparse.b, bT]);
  });

  it("the trainer's evaluation: one zero-skipping product per block (the first layer's, on rows 80 % zeros)", () => {
    // Two blocks, the second of 100 rows: 100·64·256 multiply-adds is still a product worth skipping zeros in.
    const features = 64;
    const n = EVAL_CHUNK + 100;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const rows = evalRowsOf({ x: randomMatrix(n * features, 0.8, 'evaluation'), labels, n }, features);
    const params = xavierInit([features, 256, 10], 5);
    const before = zeroSkippingProductCount();
    const { loss, acc } = evaluate(params, rows, 10);
    expect(zeroSkippingProductCount() - before).toBe(rows.blocks.length);
    expect(rows.blocks.length).toBe(2);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(acc).toBeGreaterThanOrEqual(0);
    tf.dispose([...rows.blocks.flatMap((b) => [b.x, b.labels]), ...params.weights, ...params.biases]);
  });

  it('registerCustomOps wraps the products once; unregisterCustomOps puts XNNPACK back, with the same product to fp32 rounding', () => {
    const { a, b, aValues, bValues } = operands(FORWARD, 0.8, 'unwrapped');
    const expected = referenceProduct(aValues, bValues, FORWARD);
    const wrapped = tf.getKernel('BatchMatMul', 'wasm');
    registerCustomOps();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(wrapped);
    try {
      unregisterCustomOps();
      expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).not.toBe(wrapped?.kernelFunc);
      const dense = counted(() => tf.matMul(a, b));
      const fused = counted(() => tf.fused.matMul({ a, b, activation: 'relu' }));
      expect([dense.skipped, fused.skipped]).toEqual([0, 0]);
      expect(maxRelativeError(dense.values, expected)).toBeLessThan(1e-5);
    } finally {
      registerCustomOps();
    }
    expect(counted(() => tf.matMul(a, b)).skipped).toBe(1);
    expect(counted(() => tf.fused.matMul({ a, b, activation: 'relu' })).skipped).toBe(1);
    tf.dispose([a, b]);
  });
});

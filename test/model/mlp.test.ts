import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BACKEND_ROWS, activate } from '../custom-ops/helpers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRow } from '../../gradcheck/rows.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { registerCustomOps } from '../../custom-ops/index.js';
import { autodiffBackprop, manualBackprop } from '../../src/model/backprop.js';
import { disposeParams, forwardBuiltin, forwardManual, layerSizesOf, parameterCount, predictProbs, xavierInit } from '../../src/model/mlp.js';

/** Deterministic inputs and one-hot labels (no tf.random, so every backend sees the same numbers). */
function batch(n: number, features: number, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs = new Float32Array(n * features);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(1.7 * i + 0.3) * 2;
  const labels = Array.from({ length: n }, (_, i) => (i * 7 + 3) % classes);
  return { x: tf.tensor2d(xs, [n, features]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D };
}

/** The project's fp32-vs-fp32 measure (gradcheck/tolerances.ts): max |a−b| / max(|a|, |b|, atol). */
function maxRelErr(a: tf.Tensor, b: tf.Tensor): number {
  return compareRow('', '', a.dataSync(), b.dataSync(), FP32_VS_FP32).maxRelErr;
}

describe('model/mlp', () => {
  beforeAll(async () => {
    registerCustomOps();
    await tf.setBackend('cpu');
  });

  it('parameterCount([30, 1024, 512, 1]) is 557057 (hw4 T3) and [784, 1000, 10] is 795010', () => {
    expect(parameterCount([30, 1024, 512, 1])).toBe(557057);
    expect(parameterCount([784, 1000, 10])).toBe(784 * 1000 + 1000 + 1000 * 10 + 10);
    expect(() => parameterCount([5])).toThrow(/layerSizes/);
    expect(() => parameterCount([5, 0, 2])).toThrow(/positive integer/);
  });

  it('xavierInit: shapes, zero biases, variance ≈ 2/(fan_in+fan_out), deterministic per seed', () => {
    const p = xavierInit([400, 300, 10], 7);
    expect(layerSizesOf(p)).toEqual([400, 300, 10]);
    expect(p.weights.map((w) => w.shape)).toEqual([[400, 300], [300, 10]]);
    expect(p.biases.map((b) => b.shape)).toEqual([[300], [10]]);
    expect(Array.from(p.biases[0].dataSync()).every((v) => v === 0)).toBe(true);
    const w = p.weights[0].dataSync();
    let mean = 0;
    for (const v of w) mean += v;
    mean /= w.length;
    let variance = 0;
    for (const v of w) variance += (v - mean) ** 2;
    variance /= w.length - 1;
    const expected = 2 / 700;
    // 120000 samples: the sample variance has relative standard error √(2/n) ≈ 0.0041, so 3% is > 7σ.
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / w.length));
    const again = xavierInit([400, 300, 10], 7);
    const other = xavierInit([400, 300, 10], 8);
    expect(Array.from(again.weights[1].dataSync())).toEqual(Array.from(p.weights[1].dataSync()));
    expect(Array.from(other.weights[1].dataSync())).not.toEqual(Array.from(p.weights[1].dataSync()));
    [p, again, other].forEach(disposeParams);
  });

  it('rejects an input with the wrong number of features, naming x', () => {
    const p = xavierInit([4, 3, 2], 0);
    const bad = tf.zeros<tf.Rank.R2>([5, 6]);
    expect(() => forwardManual(p, bad)).toThrow(/^x: expected 4 features/);
    const { x } = batch(5, 4, 2);
    const badY = tf.zeros<tf.Rank.R2>([5, 3]);
    expect(() => manualBackprop(p, x, badY)).toThrow(/^yOneHot: expected shape \[5, 2\]/);
    tf.dispose([bad, x, badY]);
    disposeParams(p);
  });

  it('each backprop runs exactly the products it needs: 2L − 1 in the backward pass, none for ∂L/∂X', async () => {
    const p = xavierInit([6, 5, 4, 3], 2);
    const { x, y } = batch(7, 6, 3);
    const products = async (run: () => void): Promise<string[]> =>
      (await tf.profile(run)).kernels.map((k) => k.name).filter((name) => /MatMul|ManualDenseParamGrads|ManualHiddenDelta/.test(name) && !name.endsWith('__op'));
    // L = 3 layers: forward 3 products; backward dW_1..dW_3 and the deltas of the 2 hidden layers.
    const manual = await products(() => tf.dispose(Object.values(manualBackprop(p, x, y).grads).flat()));
    // The first layer is a plain product (no ∂L/∂X under autodiff), the others fused with their bias.
    expect(manual.sort()).toEqual(['BatchMatMul', 'ManualDenseParamGrads', 'ManualDenseParamGrads', 'ManualDenseParamGrads', 'ManualHiddenDelta', 'ManualHiddenDelta', '_FusedMatMul', '_FusedMatMul']);
    const autodiff = await products(() => {
      const result = autodiffBackprop(p, x, y);
      tf.dispose([result.loss, ...result.grads.dW, ...result.grads.db]);
    });
    // Forward: the same three products; backward: dW_1..dW_3 and the two hidden deltas, nothing for ∂L/∂X.
    expect(autodiff.filter((name) => name === '_FusedMatMul')).toHaveLength(2);
    expect(autodiff.filter((name) => name === 'BatchMatMul')).toHaveLength(1 + 3 + 2);
    tf.dispose([x, y]);
    disposeParams(p);
  });

  for (const [title, probe] of BACKEND_ROWS) {
    const backend = probe.name;
    describe.skipIf(!probe.available)(`on ${title}`, () => {
      beforeAll(async () => {
        await activate(backend);
      });
      afterAll(async () => {
        await tf.setBackend('cpu');
      });

      it('forwardManual logits equal forwardBuiltin; predictProbs rows sum to 1', () => {
        const p = xavierInit([20, 16, 8, 5], 1);
        const { x } = batch(12, 20, 5);
        tf.tidy(() => {
          const fwd = forwardManual(p, x);
          expect(fwd.inputs.length).toBe(3);
          expect(fwd.preActivations.map((r) => r.shape)).toEqual([[12, 16], [12, 8]]);
          expect(maxRelErr(fwd.logits, forwardBuiltin(p, x))).toBeLessThanOrEqual(1e-5);
          const sums = tf.sum(predictProbs(p, x), 1).dataSync();
          for (const s of sums) expect(s).toBeCloseTo(1, 5);
        });
        x.dispose();
        disposeParams(p);
      });

      it('manualBackprop equals autodiffBackprop within 1e-5 (20→16→8→5, N=12) and leaks no tensors', () => {
        const p = xavierInit([20, 16, 8, 5], 3);
        // Non-zero biases so the bias gradients of deeper layers are exercised too.
        const biases = p.biases.map((b, l) => tf.tidy<tf.Tensor1D>(() => tf.add(b, tf.scalar(0.05 * (l + 1)))));
        tf.dispose(p.biases);
        p.biases = biases;
        const { x, y } = batch(12, 20, 5);
        const before = tf.memory().numTensors;
        const manual = manualBackprop(p, x, y);
        const auto = autodiffBackprop(p, x, y);
        // Exactly loss + L weight grads + L bias grads from each, nothing else left behind.
        expect(tf.memory().numTensors - before).toBe(2 * (1 + 2 * 3));
        expect(Math.abs(manual.loss.dataSync()[0] - auto.loss.dataSync()[0])).toBeLessThan(1e-5 * auto.loss.dataSync()[0]);
        expect(manual.loss.dataSync()[0]).toBeGreaterThan(0.5);
        for (let l = 0; l < 3; l++) {
          expect(manual.grads.dW[l].shape).toEqual(p.weights[l].shape);
          expect(manual.grads.db[l].shape).toEqual(p.biases[l].shape);
          expect(maxRelErr(manual.grads.dW[l], auto.grads.dW[l])).toBeLessThanOrEqual(1e-5);
          expect(maxRelErr(manual.grads.db[l], auto.grads.db[l])).toBeLessThanOrEqual(1e-5);
          // Not trivially zero: a test of equal zeros would prove nothing.
          expect(Math.max(...Array.from(auto.grads.dW[l].dataSync(), Math.abs))).toBeGreaterThan(1e-4);
        }
        tf.dispose([manual.loss, auto.loss, ...manual.grads.dW, ...manual.grads.db, ...auto.grads.dW, ...auto.grads.db]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, y]);
        disposeParams(p);
      });
    });
  }
});

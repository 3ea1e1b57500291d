import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck } from '../../gradcheck/gradcheck.js';
import { runChecks } from '../../src/checks/checks.js';
import { CUSTOM_KERNEL_NAMES, ManualHiddenDelta, ManualReluGrad, ManualSoftmaxCrossEntropyGrad } from '../../custom-ops/index.js';
import { withBrokenCpuKernel } from '../custom-ops/broken_kernel.js';

/** x ↦ x³ (float64 reference: the same formula). */
const cube64 = ([x]: Float64Array[]) => x.map((v) => v * v * v);

/** x³ with a hand-written gradient: right (3x²) or deliberately wrong (2x², a typical slip). */
function cubeWithGrad(factor: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    return { value: tf.pow(x, 3), gradFunc: (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.mul(factor, tf.square(saved))) };
  });
}

describe('gradcheck', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('passes a correct custom gradient against float64 differences, reporting rows', () => {
    const x = tf.tensor([[0.5, -1.2, 2], [1.5, -0.3, 0.8]]);
    const before = tf.memory().numTensors;
    const rows = gradcheck(cubeWithGrad(3), [x], { name: 'cube', reference: cube64 }).rows;
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => [r.name, r.kind])).toEqual([
      ['cube', 'forward vs float64'],
      ['cube ∂/∂x0', 'grad vs fd64'],
    ]);
    for (const row of rows) {
      expect(row.pass).toBe(true);
      expect(row.maxRelErr).toBeLessThanOrEqual(row.tol);
      expect(row.checked).toBe(6);
      expect(row.total).toBe(6);
    }
    x.dispose();
  });

  it('FAILS a wrong custom gradient (2x² instead of 3x²), with and without a reference', () => {
    const x = tf.tensor([[0.5, -1.2, 2], [1.5, -0.3, 0.8]]);
    const withRef = gradcheck(cubeWithGrad(2), [x], { name: 'cube', reference: cube64 });
    const grad = withRef.rows.find((r) => r.kind === 'grad vs fd64');
    expect(grad?.pass).toBe(false);
    expect(grad?.maxRelErr).toBeGreaterThan(0.3); // |2 − 3|/3
    expect(withRef.pass).toBe(false);
    expect(withRef.inputs[0].failingIndices).toEqual([0, 1, 2, 3, 4, 5]);
    const fp32 = gradcheck(cubeWithGrad(2), [x], { name: 'cube' });
    expect(fp32.rows).toHaveLength(1);
    expect(fp32.rows[0].kind).toBe('grad vs fd32 (fast)');
    expect(fp32.pass).toBe(false);
    // …while the correct op passes the fp32 finite differences.
    expect(gradcheck(cubeWithGrad(3), [x], { name: 'cube' }).pass).toBe(true);
    x.dispose();
  });

  it('samples large inputs and checks only the chosen inputs', () => {
    const a = tf.randomNormal([50, 40], 0, 1, 'float32', 1);
    const b = tf.randomNormal([40, 30], 0, 1, 'float32', 2);
    const rows = gradcheck((p, q) => tf.matMul(p, q), [a, b], {
      name: 'matMul',
      inputNames: ['a', 'b'],
      wrt: [1],
      maxCoordinates: 20,
      reductionTerms: 40,
      reference: ([p, q]) => {
        const out = new Float64Array(50 * 30);
        for (let i = 0; i < 50; i++) for (let k = 0; k < 40; k++) for (let j = 0; j < 30; j++) out[i * 30 + j] += p[i * 40 + k] * q[k * 30 + j];
        return out;
      },
    });
    const grad = rows.rows.find((r) => r.kind === 'grad vs fd64');
    expect(grad?.name).toBe('matMul ∂/∂b');
    expect(grad?.checked).toBe(20);
    expect(grad?.total).toBe(1200);
    expect(rows.pass).toBe(true);
    tf.dispose([a, b]);
  });

  it('rejects bad options with a message naming them', () => {
    const x = tf.tensor([1, 2, 3]);
    const labels = tf.tensor([1, 2, 3], [3], 'int32');
    expect(() => gradcheck((t) => t, [x], { wrt: [3] })).toThrow(/options\.wrt has 3/);
    expect(() => gradcheck((t) => t, [labels])).toThrow(/no float32 input/);
    expect(() => gradcheck((t) => t, [x], { maxCoordinates: 0 })).toThrow(/maxCoordinates/);
    tf.dispose([x, labels]);
  });
});

describe('runChecks (small net)', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`every row passes on ${backend} (12→9→7→4, batch 6), every kernel opchecked`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const report = await runChecks({ layers: [12, 9, 7, 4], batch: 6, seed: 3, maxCoordinates: 16 });
      expect(report.backend).toBe(backend);
      const failing = report.checks.filter((r) => !r.pass).map((r) => `${r.name} ${r.kind} ${r.maxRelErr}`);
      expect(failing).toEqual([]);
      // One row per comparison: 6 parameters × 5 kinds + 2 loss rows + the kernels' rows + the leak row.
      expect(report.checks.filter((r) => /^[Wb]\d$/.test(r.name))).toHaveLength(30);
      // Every handgrad kernel: its forward against cpu's on real values, and (the gradient kernels
      // too, so second order) every float input's gradient against fp32 differences.
      for (const kernel of CUSTOM_KERNEL_NAMES) {
        const rows = report.checks.filter((r) => r.name.startsWith(`${kernel} [${backend}]`));
        const forward = rows.filter((r) => r.kind.startsWith('forward vs cpu'));
        expect(forward.length, kernel).toBeGreaterThan(0);
        for (const r of forward) expect(r.checked, kernel).toBeGreaterThan(0);
        if (/Update$/.test(kernel)) continue;
        const differenced = rows.filter((r) => r.kind === 'grad vs fd32 (fast)');
        expect(differenced.length, kernel).toBeGreaterThan(0);
        for (const r of differenced) expect(r.checked, `${r.name}`).toBe(r.total);
      }
      expect(report.checks.filter((r) => r.kind === 'grad vs fd32 (fast)' && r.name.startsWith('ManualReluGrad ')).map((r) => r.name)).toEqual([`ManualReluGrad [${backend}] ∂/∂dy`, `ManualReluGrad [${backend}] ∂/∂x`]);
      await tf.setBackend('cpu');
    });
  }
});

describe('runChecks catches a broken kernel (the checker is not vacuous)', () => {
  const options = { layers: [12, 9, 7, 4], batch: 6, seed: 3, maxCoordinates: 16 };
  /** Failing rows on `backend` (cpu's kernel is the one broken, and every backend's reference). */
  const failing = async (backend = 'cpu') => {
    await tf.setBackend(backend);
    const rows = (await runChecks(options)).checks;
    await tf.setBackend('cpu');
    return new Set(rows.filter((r) => !r.pass).map((r) => `${r.name} | ${r.kind}`));
  };

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a cross-entropy gradient 1% too large fails the kernel rows and every manual-backprop parameter row', async () => {
    await withBrokenCpuKernel(ManualSoftmaxCrossEntropyGrad, (out) => out.forEach((v, i) => (out[i] = v * 1.01)), async () => {
      const failed = await failing();
      expect(failed).toContain('ManualSoftmaxCrossEntropy [cpu] ∂/∂logits | grad vs fd32 (fast)');
      for (const p of ['W1', 'W2', 'W3', 'b1', 'b2', 'b3']) {
        expect(failed).toContain(`${p} | manual vs autodiff`);
        expect(failed).toContain(`${p} | manual vs fd64`);
        // The float64 reference and tf.grads of the built-ins do not use our kernels.
        expect(failed).not.toContain(`${p} | autodiff vs float64`);
        expect(failed).not.toContain(`${p} | float64 vs fd64`);
      }
      // Against another implementation: wasm's (right) gradient differs from cpu's.
      expect(await failing('wasm')).toContain('ManualSoftmaxCrossEntropy [wasm] ∂/∂logits | grad vs cpu');
    });
    expect((await runChecks(options)).checks.every((r) => r.pass)).toBe(true);
  });

  it('a relu gradient that ignores the mask (dx = dy) fails the relu rows', async () => {
    await withBrokenCpuKernel(ManualReluGrad, (out, { dy }) => out.set(dy), async () => {
      expect(await failing()).toContain('ManualRelu [cpu] ∂/∂x | grad vs fd32 (fast)');
      expect(await failing('wasm')).toContain('ManualRelu [wasm] ∂/∂x | grad vs cpu');
    });
    // The backprop applies the mask inside ManualHiddenDelta: the same slip there, G_{l−1} = G_l·W_lᵀ.
    await withBrokenCpuKernel(
      ManualHiddenDelta,
      (out, { dy, w, preActivation }) => {
        // dy: N×K, w: M×K, preActivation: N×M, so N² = |dy|·|preActivation| / |w|.
        const n = Math.round(Math.sqrt((dy.length * preActivation.length) / w.length));
        const [k, m] = [dy.length / n, preActivation.length / n];
        for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) {
          let sum = 0;
          for (let j = 0; j < k; j++) sum += dy[r * k + j] * w[c * k + j];
          out[r * m + c] = sum;
        }
      },
      async () => {
        const failed = await failing();
        // W3, b3 (the output layer) come before any relu in backprop and stay right.
        for (const p of ['W1', 'W2', 'b1', 'b2']) expect(failed).toContain(`${p} | manual vs autodiff`);
        for (const p of ['W3', 'b3']) expect(failed).not.toContain(`${p} | manual vs autodiff`);
      },
    );
  });
});

/**
 * Planted wrong gradients registered over real tfjs kernels: the audit must catch each with the
 * right diagnosis, and pass the same case once tfjs's own gradient is back.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, GradFunc } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditCase, type AuditRow, auditTfjs } from '../../gradcheck/index.js';
import { matMul64 } from '../../gradcheck/audit/twins.js';

/** Registers `gradFunc` for `kernel` (keeping tfjs's saved tensors), runs `body`, and restores tfjs's own gradient. */
async function withPlanted<T>(kernel: string, gradFunc: GradFunc, body: () => Promise<T>): Promise<T> {
  const original = tf.getGradient(kernel);
  if (original === undefined) throw new Error(`${kernel} has no gradient to plant over`);
  const planted: GradConfig = { ...original, gradFunc };
  tf.registerGradient(planted);
  try {
    return await body();
  } finally {
    tf.registerGradient(original);
  }
}

const row = (rows: AuditRow[], order: 1 | 2, call?: string): AuditRow => {
  const found = rows.find((r) => r.order === order && (call === undefined || r.call === call));
  if (found === undefined) throw new Error(`no row of order ${order}${call === undefined ? '' : ` for ${call}`}`);
  return found;
};

/** A square product, so that a transposed gradient still has the right shape and only its values are wrong. */
const SQUARE_MATMUL: AuditCase = {
  kernel: 'BatchMatMul',
  call: 'tf.matMul(a, b)',
  fn: (a, b) => tf.matMul(a, b),
  inputs: [
    { name: 'a', shape: [3, 4], dtype: 'float32', domain: 'normal' },
    { name: 'b', shape: [4, 4], dtype: 'float32', domain: 'normal' },
  ],
  twin: matMul64(false, false),
  reductionTerms: 4,
};

describe('audit: planted wrong gradients over real tfjs kernels (cpu)', () => {
  let warn: typeof console.warn;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // tfjs warns "Overriding the gradient for …" on every planting.
    warn = console.warn;
    console.warn = () => {};
  });
  afterAll(() => {
    console.warn = warn;
  });

  it("tanh's gradient off by a factor 1.5: a wrong first derivative, confirmed by the float64 twin, in every coordinate", async () => {
    const planted = await withPlanted(
      'Tanh',
      (dy, saved) => ({ x: () => tf.mul(tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(saved[0]))), 1.5) }),
      () => auditTfjs({ ops: ['tanh'] }),
    );
    const first = row(planted.rows, 1);
    expect(first.status).toBe('fail');
    expect(first.diagnosis).toBe('wrong first derivative');
    expect(first.detail).toMatch(/∂\/∂x 12\/12/);
    for (const f of first.failures) {
      expect(f.referenceKind).toBe('float64 twin');
      // tfjs's value is 1.5× the true derivative, to fp32 precision.
      expect(f.tfjs / f.reference).toBeCloseTo(1.5, 5);
    }
    expect(first.reproduction).toMatch(/tf\.grad\(\(x\) => tf\.tanh\(x\)\)/);
    // tfjs's own gradient again: the first order passes.
    const restored = await auditTfjs({ ops: ['tanh'] });
    expect(row(restored.rows, 1).status).toBe('pass');
  });

  it("Add's gradient without the broadcast reduction: a wrong first derivative (the gradient has the shape of the output)", async () => {
    const planted = await withPlanted('Add', (dy) => ({ a: () => dy as tf.Tensor, b: () => dy as tf.Tensor }), () => auditTfjs({ ops: ['add'] }));
    const first = row(planted.rows, 1);
    expect(first.status).toBe('fail');
    expect(first.diagnosis).toBe('wrong first derivative');
    expect(first.detail).toMatch(/wrong shape.*input 'b' has shape '2,3'.*'3'/);
    const restored = await auditTfjs({ ops: ['add'] });
    expect(restored.rows.map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it("Mul's gradient for the broadcast b keeps only the first row instead of summing the rows: wrong first derivative at every coordinate of b, a untouched", async () => {
    const planted = await withPlanted(
      'Multiply',
      (dy, saved) => {
        const [a, b] = saved;
        return { a: () => tf.mul(dy as tf.Tensor, b), b: () => tf.reshape(tf.slice(tf.mul(dy as tf.Tensor, a), [0, 0], [1, 3]), b.shape) };
      },
      () => auditTfjs({ ops: ['mul'] }),
    );
    const first = row(planted.rows, 1);
    expect(first.status).toBe('fail');
    expect(first.diagnosis).toBe('wrong first derivative');
    expect(first.detail).toMatch(/∂\/∂a 0\/6, ∂\/∂b 3\/3/);
    expect(first.failures.map((f) => f.quantity)).toEqual(['∂/∂b', '∂/∂b', '∂/∂b']);
    expect((await auditTfjs({ ops: ['mul'] })).rows.every((r) => r.status === 'pass')).toBe(true);
  });

  it("matMul's gradient with b not transposed (dA = dy·b): wrong first derivative of a, b still right", async () => {
    const planted = await withPlanted(
      'BatchMatMul',
      (dy, saved) => {
        const [a, b] = saved;
        return { a: () => tf.matMul(dy as tf.Tensor, b), b: () => tf.matMul(a, dy as tf.Tensor, true, false) };
      },
      () => auditTfjs({ cases: [SQUARE_MATMUL] }),
    );
    const first = row(planted.rows, 1);
    expect(first.status).toBe('fail');
    expect(first.diagnosis).toBe('wrong first derivative');
    expect(first.detail).toMatch(/∂\/∂a 12\/12, ∂\/∂b 0\/16/);
    expect(first.reproduction).toMatch(/const f = \(a, b\) => tf\.matMul\(a, b\);/);
    // The second order differentiates the planted gradient's own products with the planted gradient: it meets a
    // non-square product and throws, which the audit reports as such, not as a confirmed wrong value.
    expect(row(planted.rows, 2).status).toBe('throws');
    expect(row(planted.rows, 2).detail).toMatch(/inner shapes/);
    expect((await auditTfjs({ cases: [SQUARE_MATMUL] })).rows.map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  // Ops whose gradients never throw: when a tfjs gradient throws (tf.grad(tf.grad(tanh)) in tanh's reproduction, the
  // missing MaxPoolGrad gradient), tfjs itself leaves the tensors it saved for the backward pass allocated.
  it('leaves no tensor behind and restores the active backend', async () => {
    const before = tf.memory().numTensors;
    await auditTfjs({ ops: ['sin', 'mul'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('cpu');
  });
});

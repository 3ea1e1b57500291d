/**
 * The audit on a second backend (wasm, which loads in Node), compared with cpu: kernels missing
 * on it, and kernels that compute something else, show up there and only there.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditResult, type AuditRow, auditTfjs } from '../../gradcheck/index.js';
import { probeBackend } from '../../src/backends.js';

const find = (result: AuditResult, kernel: string, order: 1 | 2, backend: string): AuditRow => {
  const row = result.rows.find((r) => r.kernel === kernel && r.order === order && r.backend === backend);
  if (row === undefined) throw new Error(`no row for ${kernel} at order ${order} on ${backend}`);
  return row;
};

describe('audit on cpu and wasm', () => {
  let result: AuditResult;
  beforeAll(async () => {
    expect(await probeBackend('wasm')).toEqual({ name: 'wasm', available: true });
    await tf.setBackend('cpu');
    result = await auditTfjs({ backends: ['cpu', 'wasm'], ops: ['tanh', 'maxPool', 'dilation2d', 'unsortedSegmentSum', 'add'] });
  });

  it("runs every case on both backends and compares wasm's values with cpu's (fp32~fp32)", () => {
    expect(new Set(result.rows.map((r) => r.backend))).toEqual(new Set(['cpu', 'wasm']));
    const add = find(result, 'Add', 1, 'wasm');
    expect(add.status).toBe('pass');
    expect(add.checks.filter((c) => c.kind === 'wasm vs cpu').map((c) => c.name)).toEqual(['Add · tf.add(a, b) forward', 'Add · tf.add(a, b) ∂/∂a', 'Add · tf.add(a, b) ∂/∂b']);
    // The detached saved output is tfjs-core's, so it shows on every backend.
    expect(find(result, 'Tanh', 2, 'wasm').diagnosis).toBe('wrong second derivative (saved output detached)');
  });

  it("wasm's MaxPoolGrad drops the gradient of windows whose max is negative; cpu's is right", () => {
    expect(find(result, 'MaxPool', 1, 'cpu').status).toBe('pass');
    const wasm = find(result, 'MaxPool', 1, 'wasm');
    expect([wasm.status, wasm.diagnosis]).toEqual(['fail', 'wrong first derivative']);
    expect(wasm.failures.length).toBeGreaterThan(0);
    for (const f of wasm.failures) {
      expect(f.referenceKind).toBe('float64 twin');
      expect(f.tfjs).toBe(0);
      expect(Math.abs(f.reference)).toBeGreaterThan(1000 * (f.referenceError ?? Infinity));
    }
  });

  it("wasm's dilation2d starts its max at the smallest positive float: a wrong forward value where the true max is negative", () => {
    expect(find(result, 'Dilation2D', 1, 'cpu').status).toBe('pass');
    const wasm = find(result, 'Dilation2D', 1, 'wasm');
    expect([wasm.status, wasm.diagnosis]).toEqual(['fail', 'wrong forward value']);
    const forward = wasm.failures.filter((f) => f.quantity === 'forward');
    expect(forward.length).toBeGreaterThan(0);
    for (const f of forward) {
      expect(f.tfjs).toBe(2 ** -126);
      expect(f.reference).toBeLessThan(0);
    }
    expect(wasm.reproduction).toMatch(/console\.log\(tf\.dilation2d\(x, f, 1, 'valid'\)\.arraySync\(\)/);
  });

  it('a kernel wasm does not register is reported missing, with its name', () => {
    const missing = find(result, 'UnsortedSegmentSum', 1, 'wasm');
    expect([missing.status, missing.diagnosis]).toEqual(['missing', 'kernel missing on the backend']);
    expect(missing.detail).toMatch(/Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'/);
    expect(result.rows.filter((r) => r.status === 'unconfirmed')).toEqual([]);
    expect(tf.getBackend()).toBe('cpu');
  });
});

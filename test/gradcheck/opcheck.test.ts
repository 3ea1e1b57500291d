/**
 * opcheck on Node's backends: handgrad's ten kernels pass on cpu, wasm, native and tensorflow; a
 * kernel broken on one backend only, or missing there, is named with that backend; a GradConfig that misdeclares what it
 * saves, a kernel that writes into its input and one that leaks are each caught.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { DataId, GradConfig, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { customKernelCases, opcheck, type OpcheckResult } from '../../gradcheck/index.js';
import { CUSTOM_KERNEL_NAMES, ManualHiddenDelta, ManualSoftmax, registerCustomOps } from '../../custom-ops/index.js';
import { probeBackend } from '../../src/backends.js';

const OPTIONAL = await Promise.all([probeBackend('native'), probeBackend('tensorflow')]);
const BACKENDS = ['cpu', 'wasm', ...OPTIONAL.filter((p) => p.available).map((p) => p.name)];
const SKIPPED_NOTE = OPTIONAL.flatMap((p) => (p.available ? [] : [` (${p.name} SKIPPED: ${p.reason})`])).join('');

const failingRows = (result: OpcheckResult): string[] => result.backends.flatMap((b) => b.checks.filter((r) => !r.pass).map((r) => `${r.name} | ${r.kind}`));

describe('opcheck of handgrad\'s kernels', () => {
  beforeAll(async () => {
    registerCustomOps();
    await tf.setBackend('cpu');
  });

  it(`every kernel (the five differentiable ops, the fused backprop and optimizer kernels) passes on ${BACKENDS.join(', ')}${SKIPPED_NOTE}, every check on every backend, leaving no tensor behind`, async () => {
    const before = tf.memory().numTensors;
    const cases = customKernelCases(0);
    expect(cases.map((c) => c.kernel).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    for (const c of cases) {
      const result = await opcheck(c.kernel, c.inputs, { backends: BACKENDS, attrs: c.attrs, gradient: c.gradient });
      expect(failingRows(result), c.kernel).toEqual([]);
      expect(result.backends.map((b) => b.backend)).toEqual(BACKENDS);
      for (const b of result.backends) {
        const kinds = b.checks.map((r) => r.kind);
        const expected = ['registered', 'forward vs cpu', 'inputs unchanged', 'no leaks', ...(c.gradient === false ? [] : ['saves declared', 'grad vs cpu', 'grad vs fd32 (fast)'])];
        for (const kind of expected) expect(kinds.some((k) => k.startsWith(kind)), `${c.kernel} ${b.backend}: ${kind}`).toBe(true);
      }
    }
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Re-registers `kernelName` on `backend` with its output scaled by `factor` (through the backend's own Multiply). */
function scaleKernelOn(kernelName: string, backend: string, factor: number): () => void {
  const original = tf.getKernel(kernelName, backend);
  const multiply = tf.getKernel('Multiply', backend);
  tf.unregisterKernel(kernelName, backend);
  tf.registerKernel({
    kernelName,
    backendName: backend,
    kernelFunc: (args) => {
      const out = original.kernelFunc(args) as TensorInfo;
      const kb = args.backend as KernelBackend;
      const dataId: DataId = kb.write(Float32Array.of(factor), [], 'float32');
      const scaled = multiply.kernelFunc({ inputs: { a: out, b: { dataId, shape: [], dtype: 'float32' } }, backend: kb, attrs: {} }) as TensorInfo;
      kb.disposeData(dataId);
      kb.disposeData(out.dataId);
      return scaled;
    },
  });
  return () => {
    tf.unregisterKernel(kernelName, backend);
    tf.registerKernel(original);
  };
}

describe('opcheck names the backend and kernel that are broken', () => {
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    registerCustomOps();
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('ManualSoftmax 0.1 % too large on wasm only: the wasm rows fail, cpu and native pass', async () => {
    restore = scaleKernelOn(ManualSoftmax, 'wasm', 1.001);
    const c = customKernelCases(0).find((k) => k.kernel === ManualSoftmax)!;
    const result = await opcheck(c.kernel, c.inputs, { backends: BACKENDS });
    expect(result.pass).toBe(false);
    const failed = failingRows(result);
    expect(failed).toContain('ManualSoftmax [wasm] | forward vs cpu');
    expect(failed.every((row) => row.startsWith('ManualSoftmax [wasm]'))).toBe(true);
    expect(result.backends.filter((b) => !b.pass).map((b) => b.backend)).toEqual(['wasm']);
  });
});

describe('opcheck fails a kernel that is missing on a backend it was asked to check', () => {
  beforeAll(async () => {
    registerCustomOps();
    await tf.setBackend('cpu');
  });

  it('ManualHiddenDelta taken off cpu: the cpu row fails, naming kernel and backend, and nothing passes as "nothing to check"', async () => {
    const config = tf.getKernel(ManualHiddenDelta, 'cpu');
    const c = customKernelCases(0).find((k) => k.kernel === ManualHiddenDelta)!;
    tf.unregisterKernel(ManualHiddenDelta, 'cpu');
    let result: OpcheckResult;
    try {
      result = await opcheck(c.kernel, c.inputs, { backends: BACKENDS });
    } finally {
      tf.registerKernel(config);
    }
    expect(result.pass).toBe(false);
    const cpu = result.backends.find((b) => b.backend === 'cpu')!;
    expect(cpu.pass).toBe(false);
    expect(cpu.checks.map((r) => [r.kind, r.pass, r.note])).toEqual([['registered', false, 'no kernel ManualHiddenDelta is registered for backend cpu']]);
    // Back on cpu, the same check passes everywhere.
    expect(failingRows(await opcheck(c.kernel, c.inputs, { backends: BACKENDS }))).toEqual([]);
  });
});

/** A toy cpu kernel y = x², with knobs to misbehave. */
const TOY = 'GradcheckToySquare';
function registerToy(behaviour: { mutateInput?: boolean; leak?: boolean } = {}): void {
  tf.registerKernel({
    kernelName: TOY,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as MathBackendCPU;
      const x = inputs.x as TensorInfo;
      const values = cpu.data.get(x.dataId).values as Float32Array;
      const out = values.map((v) => v * v);
      if (behaviour.mutateInput) values[0] += 1;
      if (behaviour.leak) cpu.write(new Float32Array(4), [4], 'float32');
      return cpu.makeTensorInfo(x.shape, 'float32', out);
    },
  });
}
const correctGrad: GradConfig = { kernelName: TOY, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(2, x)) }) };
const toyInputs = { x: { values: [0.5, -1.2, 2, 0.3, 1.1, -0.7], shape: [2, 3] } };

describe('opcheck catches a kernel or gradient that misbehaves (cpu toy kernel)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    if (tf.getKernel(TOY, 'cpu') !== undefined) tf.unregisterKernel(TOY, 'cpu');
    if (tf.getGradient(TOY) !== undefined) tf.unregisterGradient(TOY);
  });

  it('a correct toy kernel passes', async () => {
    registerToy();
    tf.registerGradient(correctGrad);
    expect(failingRows(await opcheck(TOY, toyInputs, { backends: ['cpu'] }))).toEqual([]);
  });

  it.each([
    ['inputsToSave names an input the kernel does not have', { ...correctGrad, inputsToSave: ['input'] }, /inputsToSave names 'input'/],
    ['gradFunc reads a saved tensor it never declared', { ...correctGrad, inputsToSave: [], gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(2, saved[0] ?? tf.scalar(0))) }) }, /reads saved\[0\]/],
    ['a saved tensor declared but never read', { ...correctGrad, saveAllInputs: false, outputsToSave: [true] }, /declares output 0 .* never reads it/],
  ] as [string, GradConfig, RegExp][])('%s: "saves declared" fails with the reason', async (_, config, reason) => {
    registerToy();
    tf.registerGradient(config);
    const result = await opcheck(TOY, toyInputs, { backends: ['cpu'] });
    const row = result.backends[0].checks.find((r) => r.kind === 'saves declared')!;
    expect(row.pass).toBe(false);
    expect(row.note).toMatch(reason);
  });

  it('a kernel that writes into its input fails "inputs unchanged", naming the input', async () => {
    registerToy({ mutateInput: true });
    tf.registerGradient(correctGrad);
    const row = (await opcheck(TOY, toyInputs, { backends: ['cpu'], gradient: false })).backends[0].checks.find((r) => r.kind === 'inputs unchanged')!;
    expect(row.pass).toBe(false);
    expect(row.note).toMatch(/input\(s\) x/);
  });

  it('a kernel that leaks a backend buffer fails "no leaks"', async () => {
    registerToy({ leak: true });
    tf.registerGradient(correctGrad);
    const row = (await opcheck(TOY, toyInputs, { backends: ['cpu'], gradient: false })).backends[0].checks.find((r) => r.kind === 'no leaks')!;
    expect(row.pass).toBe(false);
    expect(row.note).toMatch(/forward: 0 tensor\(s\), 1 backend data id/);
  });

  it('a backend that is not registered, or a kernel missing on one, is a failing row, not a crash', async () => {
    registerToy();
    tf.registerGradient(correctGrad);
    const result = await opcheck(TOY, toyInputs, { backends: ['cpu', 'wasm', 'no-such-backend'] });
    expect(failingRows(result)).toEqual([`${TOY} [wasm] | registered`, `${TOY} [no-such-backend] | backend loads`]);
  });
});

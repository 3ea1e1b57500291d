import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CUSTOM_KERNEL_NAMES,
  DIFFERENTIABLE_KERNEL_NAMES,
  FUSED_KERNEL_NAMES,
  UPDATE_KERNEL_NAMES,
  ManualRelu,
  customOpsRegistered,
  manualRelu,
  registerCustomOps,
  unregisterCustomOps,
} from '../../custom-ops/index.js';
import { cpuKernelConfigs } from '../../custom-ops/backends/cpu/index.js';
import { tensorflowKernelConfigs } from '../../custom-ops/backends/tensorflow/index.js';
import { wasmKernelConfigs } from '../../custom-ops/backends/wasm/index.js';
import { gradConfigs } from '../../custom-ops/gradients/index.js';
import { activate } from './helpers.js';

const OUR_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;

function registeredCount(): number {
  let count = 0;
  for (const backend of OUR_BACKENDS) for (const name of CUSTOM_KERNEL_NAMES) if (tf.getKernel(name, backend) !== undefined) count++;
  for (const name of CUSTOM_KERNEL_NAMES) if (tf.getGradient(name) !== undefined) count++;
  return count;
}

/** cpu and wasm hold all 10 kernels, tensorflow the 5 that are not fused (the fused ops compose tfjs ops there); 7 gradients. */
const ALL_REGISTERED = 2 * 10 + 5 + 7;

describe('registerCustomOps / unregisterCustomOps', () => {
  beforeAll(async () => {
    await activate('cpu');
  });
  afterAll(() => {
    registerCustomOps();
  });

  it('cpu and wasm have one config per kernel name, tensorflow one per kernel that is not fused, and each differentiable kernel one gradient', () => {
    for (const list of [cpuKernelConfigs, wasmKernelConfigs]) {
      expect(list.map((c) => c.kernelName).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
      expect(new Set(list.map((c) => c.backendName)).size).toBe(1);
    }
    const fused = new Set<string>(FUSED_KERNEL_NAMES);
    expect(tensorflowKernelConfigs.map((c) => c.kernelName).sort()).toEqual(CUSTOM_KERNEL_NAMES.filter((name) => !fused.has(name)).sort());
    expect(gradConfigs.map((c) => c.kernelName).sort()).toEqual([...DIFFERENTIABLE_KERNEL_NAMES].sort());
    expect(CUSTOM_KERNEL_NAMES.length).toBe(DIFFERENTIABLE_KERNEL_NAMES.length + UPDATE_KERNEL_NAMES.length);
  });

  it('registers every kernel on cpu, wasm and tensorflow and every gradient; a second call is a silent no-op', () => {
    unregisterCustomOps();
    expect(registeredCount()).toBe(0);
    const warn = vi.spyOn(console, 'warn');
    registerCustomOps();
    expect(registeredCount()).toBe(ALL_REGISTERED);
    expect(customOpsRegistered()).toBe(true);
    const before = tf.getKernel(ManualRelu, 'cpu');
    registerCustomOps();
    expect(tf.getKernel(ManualRelu, 'cpu')).toBe(before);
    expect(registeredCount()).toBe(ALL_REGISTERED);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('already registered'))).toEqual([]);
    warn.mockRestore();
  });

  it('unregister undoes it, twice is harmless, and runKernel then fails', () => {
    registerCustomOps();
    unregisterCustomOps();
    unregisterCustomOps();
    expect(registeredCount()).toBe(0);
    expect(customOpsRegistered()).toBe(false);
    const x = tf.tensor1d([-1, 1]);
    expect(() => tf.engine().runKernel(ManualRelu, { x })).toThrow(/ManualRelu/);
    x.dispose();
  });

  it('the ops register lazily when nothing is registered', () => {
    unregisterCustomOps();
    const y = manualRelu([-2, 3]);
    expect(Array.from(y.dataSync())).toEqual([0, 3]);
    expect(customOpsRegistered()).toBe(true);
    expect(registeredCount()).toBe(ALL_REGISTERED);
    y.dispose();
  });

  it('leaves a kernel registered by someone else alone', () => {
    unregisterCustomOps();
    const theirs = { kernelName: ManualRelu, backendName: 'cpu', kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' as const }) };
    tf.registerKernel(theirs);
    registerCustomOps();
    expect(tf.getKernel(ManualRelu, 'cpu')).toBe(theirs);
    unregisterCustomOps();
    expect(tf.getKernel(ManualRelu, 'cpu')).toBe(theirs);
    tf.unregisterKernel(ManualRelu, 'cpu');
    registerCustomOps();
    expect(tf.getKernel(ManualRelu, 'cpu')).toBe(cpuKernelConfigs.find((c) => c.kernelName === ManualRelu));
  });

  it('registers the webgl list too', async () => {
    const { webglKernelConfigs } = await import('../../custom-ops/backends/webgl/index.js');
    registerCustomOps();
    for (const config of webglKernelConfigs) {
      expect(tf.getKernel(config.kernelName, config.backendName)).toBe(config);
    }
    unregisterCustomOps();
    for (const config of webglKernelConfigs) {
      expect(tf.getKernel(config.kernelName, config.backendName)).toBeUndefined();
    }
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CUSTOM_KERNEL_NAMES,
  DIFFERENTIABLE_KERNEL_NAMES,
  UPDATE_KERNEL_NAMES,
  ManualAdamUpdate,
  ManualRelu,
  customOpsRegistered,
  manualRelu,
  registerCustomOps,
  unregisterCustomOps,
} from '../../custom-ops/index.js';
import * as cpuKernels from '../../custom-ops/backends/cpu/index.js';
import { gradConfigs } from '../../custom-ops/gradients/index.js';
import { customKernelConfigs } from '../../custom-ops/register.js';
import { kernelConfigsOf } from '../../custom-ops/util/kernel_configs.js';
import { activate } from './helpers.js';

const OUR_BACKENDS = ['cpu', 'wasm', 'tensorflow', 'webgl', 'webgpu'] as const;

function registeredCount(): number {
  let count = 0;
  for (const backend of OUR_BACKENDS) for (const name of CUSTOM_KERNEL_NAMES) if (tf.getKernel(name, backend) !== undefined) count++;
  for (const name of CUSTOM_KERNEL_NAMES) if (tf.getGradient(name) !== undefined) count++;
  return count;
}

/** Every backend holds all 10 kernels; 7 gradients. */
const ALL_REGISTERED = OUR_BACKENDS.length * 10 + 7;

describe('registerCustomOps / unregisterCustomOps', () => {
  beforeAll(async () => {
    await activate('cpu');
  });
  afterAll(() => {
    registerCustomOps();
  });

  it('every backend has one config per kernel name, each with its kernelFunc, and each differentiable kernel one gradient', () => {
    for (const backend of OUR_BACKENDS) {
      const configs = customKernelConfigs.filter((c) => c.backendName === backend);
      expect(configs.map((c) => c.kernelName), backend).toEqual([...CUSTOM_KERNEL_NAMES]);
      for (const config of configs) expect(typeof config.kernelFunc, `${config.kernelName} on ${backend}`).toBe('function');
    }
    expect(customKernelConfigs.length).toBe(OUR_BACKENDS.length * CUSTOM_KERNEL_NAMES.length);
    expect(gradConfigs.map((c) => c.kernelName).sort()).toEqual([...DIFFERENTIABLE_KERNEL_NAMES].sort());
    expect(CUSTOM_KERNEL_NAMES.length).toBe(DIFFERENTIABLE_KERNEL_NAMES.length + UPDATE_KERNEL_NAMES.length);
  });

  it('a backend kernel map that lacks a kernel is a type error (and its derived config has no kernelFunc)', () => {
    const nine: Partial<typeof cpuKernels> = { ...cpuKernels };
    delete nine.ManualAdamUpdate;
    // @ts-expect-error -- ManualAdamUpdate is missing from the map
    const configs = kernelConfigsOf('cpu', nine);
    expect(configs.find((c) => c.kernelName === ManualAdamUpdate)?.kernelFunc).toBeUndefined();
    expect(configs.filter((c) => typeof c.kernelFunc === 'function').length).toBe(CUSTOM_KERNEL_NAMES.length - 1);
  });

  it('registers every kernel on every backend and every gradient; a second call is a silent no-op', () => {
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
    expect(tf.getKernel(ManualRelu, 'cpu')).toBe(customKernelConfigs.find((c) => c.kernelName === ManualRelu && c.backendName === 'cpu'));
  });

  it('registers the very configs it derived, and unregisters them all', () => {
    registerCustomOps();
    for (const config of customKernelConfigs) expect(tf.getKernel(config.kernelName, config.backendName)).toBe(config);
    unregisterCustomOps();
    for (const config of customKernelConfigs) expect(tf.getKernel(config.kernelName, config.backendName)).toBeUndefined();
  });
});

/**
 * The single entry point that registers every handgrad kernel on every backend and every gradient,
 * like tfjs's register_all_kernels.ts. Each backend's index module maps every kernel name to its
 * kernelFunc; the KernelConfigs are derived from those maps and the kernel-name table. Registering a
 * kernel only records it in tfjs's global registry, so backends that are not loaded (webgl or webgpu
 * in Node, tensorflow without tfjs-node) cost nothing. The native backend (handgrad/native) registers
 * its own kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import * as cpuKernels from './backends/cpu/index.js';
import * as tensorflowKernels from './backends/tensorflow/index.js';
import * as wasmKernels from './backends/wasm/index.js';
import * as webglKernels from './backends/webgl/index.js';
import * as webgpuKernels from './backends/webgpu/index.js';
import { unwrapWasmProducts, wrapWasmProducts } from './backends/wasm/zero_skipping.js';
import { gradConfigs } from './gradients/index.js';
import { kernelConfigsOf } from './util/kernel_configs.js';

/** Every handgrad KernelConfig of the portable backends: ten per backend. */
export const customKernelConfigs: readonly KernelConfig[] = [
  ...kernelConfigsOf('cpu', cpuKernels),
  ...kernelConfigsOf('wasm', wasmKernels),
  ...kernelConfigsOf('tensorflow', tensorflowKernels),
  ...kernelConfigsOf('webgl', webglKernels),
  ...kernelConfigsOf('webgpu', webgpuKernels),
];

/** The configs this module put into tfjs's registries (and so may take out again). */
const ownKernels = new Set<KernelConfig>();
const ownGradients = new Set<GradConfig>();
let registered = false;

/**
 * Registers every handgrad KernelConfig and GradConfig, and makes tfjs-backend-wasm's products skip
 * the zeros of a mostly-zero left operand (when it is imported: call this after importing it).
 * Idempotent: a kernel or gradient that is already registered (by an earlier call, or by someone
 * else) is left as it is, so tfjs never warns about duplicates.
 */
export function registerCustomOps(): void {
  for (const config of customKernelConfigs) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) {
      tf.registerKernel(config);
      ownKernels.add(config);
    }
  }
  wrapWasmProducts();
  for (const config of gradConfigs) {
    if (tf.getGradient(config.kernelName) === undefined) {
      tf.registerGradient(config);
      ownGradients.add(config);
    }
  }
  registered = true;
}

/** Removes what registerCustomOps() registered, and puts tfjs-backend-wasm's products back; anything registered by others stays. */
export function unregisterCustomOps(): void {
  unwrapWasmProducts();
  for (const config of ownKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) === config) tf.unregisterKernel(config.kernelName, config.backendName);
  }
  for (const config of ownGradients) {
    if (tf.getGradient(config.kernelName) === config) tf.unregisterGradient(config.kernelName);
  }
  ownKernels.clear();
  ownGradients.clear();
  registered = false;
}

/** True between registerCustomOps() and unregisterCustomOps(). */
export function customOpsRegistered(): boolean {
  return registered;
}

/** Called by every op, so users cannot forget to register. */
export function ensureCustomOpsRegistered(): void {
  if (!registered) registerCustomOps();
}

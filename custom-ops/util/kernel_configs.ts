/** A backend's KernelConfigs, derived from the kernel-name table and the backend's kernelFuncs. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { CUSTOM_KERNEL_NAMES, type CustomKernelFuncs } from '../kernel_names.js';

/** One KernelConfig per handgrad kernel name, in the table's order, each with the backend's kernelFunc. */
export function kernelConfigsOf(backendName: string, kernels: CustomKernelFuncs): KernelConfig[] {
  return CUSTOM_KERNEL_NAMES.map((kernelName) => ({ kernelName, backendName, kernelFunc: kernels[kernelName] }));
}

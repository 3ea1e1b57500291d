/** W' = W − α·∇. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate } from '../../kernel_names.js';
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { sgdUpdateArrays } from '../common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(sgdUpdateArrays, cpuMemory);
export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'cpu', kernelFunc: manualSgdUpdate };

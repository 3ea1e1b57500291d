/** W' = W − α·∇. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate } from '../../kernel_names.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { sgdUpdateArrays } from '../common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(sgdUpdateArrays, wasmMemory);
export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'wasm', kernelFunc: manualSgdUpdate };

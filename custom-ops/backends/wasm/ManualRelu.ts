/** y = max(0, x), elementwise; NaN stays NaN, as tf.relu. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualRelu } from '../../kernel_names.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { reluArrays } from '../common/array_kernels.js';

export const manualRelu = arrayKernelFunc(reluArrays, wasmMemory);
export const manualReluConfig: KernelConfig = { kernelName: ManualRelu, backendName: 'wasm', kernelFunc: manualRelu };

/** y = max(0, x), elementwise (common/gpu_elementwise.ts RELU). */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualRelu } from '../../kernel_names.js';
import { gpuKernelFunc, reluGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualRelu = gpuKernelFunc(reluGpu, webglContext);
export const manualReluConfig: KernelConfig = { kernelName: ManualRelu, backendName: 'webgl', kernelFunc: manualRelu };

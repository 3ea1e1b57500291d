/** dx = dy ⊙ 1(x > 0), elementwise; relu'(0) = 0 (common/gpu_elementwise.ts RELU_GRAD). */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualReluGrad } from '../../kernel_names.js';
import { gpuKernelFunc, reluGradGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualReluGrad = gpuKernelFunc(reluGradGpu, webgpuContext);
export const manualReluGradConfig: KernelConfig = { kernelName: ManualReluGrad, backendName: 'webgpu', kernelFunc: manualReluGrad };

/** y = max(0, x), elementwise (common/gpu_elementwise.ts RELU). */
import { gpuKernelFunc, reluGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualRelu = gpuKernelFunc(reluGpu, webgpuContext);

/** y = max(0, x), elementwise (common/gpu_elementwise.ts RELU). */
import { gpuKernelFunc, reluGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualRelu = gpuKernelFunc(reluGpu, webglContext);

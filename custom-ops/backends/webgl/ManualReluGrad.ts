/** dx = dy ⊙ 1(x > 0), elementwise; relu'(0) = 0 (common/gpu_elementwise.ts RELU_GRAD). */
import { gpuKernelFunc, reluGradGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualReluGrad = gpuKernelFunc(reluGradGpu, webglContext);

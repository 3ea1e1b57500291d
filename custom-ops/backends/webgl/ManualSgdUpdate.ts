/** W' = W − α·∇, one elementwise program. */
import { gpuKernelFunc, sgdUpdateGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualSgdUpdate = gpuKernelFunc(sgdUpdateGpu, webglContext);

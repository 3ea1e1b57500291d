/** W' = W − α·∇, one elementwise program. */
import { gpuKernelFunc, sgdUpdateGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualSgdUpdate = gpuKernelFunc(sgdUpdateGpu, webgpuContext);

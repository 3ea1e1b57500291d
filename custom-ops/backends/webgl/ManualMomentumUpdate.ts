/** v' = γ·v + α·∇, then W' = W − v': two elementwise programs. Outputs [W', v']. */
import { gpuKernelFunc, momentumUpdateGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualMomentumUpdate = gpuKernelFunc(momentumUpdateGpu, webglContext);

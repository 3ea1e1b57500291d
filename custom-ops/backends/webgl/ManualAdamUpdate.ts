/** m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², then W' = W − α·(m'·c1)/(√(v'·c2) + ε): three programs. Outputs [W', m', v']. */
import { gpuKernelFunc, adamUpdateGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualAdamUpdate = gpuKernelFunc(adamUpdateGpu, webglContext);

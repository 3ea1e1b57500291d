/** m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε). Outputs [W', m', v']. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { adamUpdateArrays } from '../common/array_kernels.js';

export const manualAdamUpdate = arrayKernelFunc(adamUpdateArrays, cpuMemory);

/** v' = γ·v + α·∇, W' = W − v'. Outputs [W', v']. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { momentumUpdateArrays } from '../common/array_kernels.js';

export const manualMomentumUpdate = arrayKernelFunc(momentumUpdateArrays, cpuMemory);

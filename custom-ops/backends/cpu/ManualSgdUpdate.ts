/** W' = W − α·∇. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { sgdUpdateArrays } from '../common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(sgdUpdateArrays, cpuMemory);

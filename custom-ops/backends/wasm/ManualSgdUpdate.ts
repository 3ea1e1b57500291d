/** W' = W − α·∇. */
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { sgdUpdateArrays } from '../common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(sgdUpdateArrays, wasmMemory);

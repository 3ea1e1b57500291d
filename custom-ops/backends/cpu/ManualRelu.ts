/** y = max(0, x), elementwise; NaN stays NaN, as tf.relu. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { reluArrays } from '../common/array_kernels.js';

export const manualRelu = arrayKernelFunc(reluArrays, cpuMemory);

/** dx = dy ⊙ 1(x > 0), elementwise; relu'(0) = 0, NaN in x gives NaN (tf.step). */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { reluGradArrays } from '../common/array_kernels.js';

export const manualReluGrad = arrayKernelFunc(reluGradArrays, cpuMemory);

/** L = (1/N) Σ_n ((Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk), accumulated in float64. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { softmaxCrossEntropyArrays } from '../common/array_kernels.js';

export const manualSoftmaxCrossEntropy = arrayKernelFunc(softmaxCrossEntropyArrays, cpuMemory);

/** dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / N, gradCE for one-hot rows. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { softmaxCrossEntropyGradArrays } from '../common/array_kernels.js';

export const manualSoftmaxCrossEntropyGrad = arrayKernelFunc(softmaxCrossEntropyGradArrays, cpuMemory);

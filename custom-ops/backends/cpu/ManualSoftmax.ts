/** p_nk = exp(z_nk − m_n) / Σ_j exp(z_nj − m_n) over the last axis, m_n the row's max. */
import { arrayKernelFunc, cpuMemory } from '../common/array_kernel.js';
import { softmaxArrays } from '../common/array_kernels.js';

export const manualSoftmax = arrayKernelFunc(softmaxArrays, cpuMemory);

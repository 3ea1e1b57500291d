/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the cpu backend's BatchMatMul, then the mask in place on its fresh output. */
import { backendMatMul } from '../../util/backend_kernels.js';
import { cpuMemory } from '../common/array_kernel.js';
import { hiddenDeltaMaskedInPlace } from '../common/composed_kernels.js';

export const manualHiddenDelta = hiddenDeltaMaskedInPlace((backend, dy, w) => backendMatMul('cpu', backend, dy, w, false, true), cpuMemory);

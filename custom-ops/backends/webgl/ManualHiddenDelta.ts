/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the backend's BatchMatMul, then the relu-gradient program. */
import { gpuKernelFunc, hiddenDeltaGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualHiddenDelta = gpuKernelFunc(hiddenDeltaGpu, webglContext);

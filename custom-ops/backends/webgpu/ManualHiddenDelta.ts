/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the backend's BatchMatMul, then the relu-gradient program. */
import { gpuKernelFunc, hiddenDeltaGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualHiddenDelta = gpuKernelFunc(hiddenDeltaGpu, webgpuContext);

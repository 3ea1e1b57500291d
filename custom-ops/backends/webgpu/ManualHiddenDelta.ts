/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the backend's BatchMatMul, then the relu-gradient program. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualHiddenDelta } from '../../kernel_names.js';
import { gpuKernelFunc, hiddenDeltaGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualHiddenDelta = gpuKernelFunc(hiddenDeltaGpu, webgpuContext);
export const manualHiddenDeltaConfig: KernelConfig = { kernelName: ManualHiddenDelta, backendName: 'webgpu', kernelFunc: manualHiddenDelta };

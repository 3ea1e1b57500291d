/** v' = γ·v + α·∇, then W' = W − v': two elementwise programs. Outputs [W', v']. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualMomentumUpdate } from '../../kernel_names.js';
import { gpuKernelFunc, momentumUpdateGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualMomentumUpdate = gpuKernelFunc(momentumUpdateGpu, webglContext);
export const manualMomentumUpdateConfig: KernelConfig = { kernelName: ManualMomentumUpdate, backendName: 'webgl', kernelFunc: manualMomentumUpdate };

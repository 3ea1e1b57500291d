/** W' = W − α·∇, one elementwise program. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate } from '../../kernel_names.js';
import { gpuKernelFunc, sgdUpdateGpu } from '../common/gpu_kernels.js';
import { webgpuContext } from './webgpu_util.js';

export const manualSgdUpdate = gpuKernelFunc(sgdUpdateGpu, webgpuContext);
export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'webgpu', kernelFunc: manualSgdUpdate };

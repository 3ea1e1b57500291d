/** W' = W − α·∇, one elementwise program. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate } from '../../kernel_names.js';
import { gpuKernelFunc, sgdUpdateGpu } from '../common/gpu_kernels.js';
import { webglContext } from './webgl_util.js';

export const manualSgdUpdate = gpuKernelFunc(sgdUpdateGpu, webglContext);
export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'webgl', kernelFunc: manualSgdUpdate };

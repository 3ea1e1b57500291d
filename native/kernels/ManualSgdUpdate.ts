/** W' = W − α·∇ in one threaded pass (native/src/updates.cc). */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { ManualSgdUpdate } from '../../custom-ops/kernel_names.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { sgdUpdateArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(
  { ...sgdUpdateArrays, loop: (view, [out], { param, grad, lr }) => loadNativeAddon().sgdUpdate(view(param), view(grad), out, lr) },
  nativeMemory,
);
export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'native', kernelFunc: manualSgdUpdate };

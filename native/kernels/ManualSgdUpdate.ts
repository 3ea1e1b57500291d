/** W' = W − α·∇ in one threaded pass (native/src/updates.cc). */
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { sgdUpdateArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSgdUpdate = arrayKernelFunc(
  { ...sgdUpdateArrays, loop: (view, [out], { param, grad, lr }) => loadNativeAddon().sgdUpdate(view(param), view(grad), out, lr) },
  nativeMemory,
);

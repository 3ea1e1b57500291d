/** W' = W − α·∇ in one threaded pass (native/src/updates.cc). */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { sgdUpdateArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSgdUpdate = nativeArrayKernelFunc(sgdUpdateArrays, (view, [out], { param, grad, lr }) => loadNativeAddon().sgdUpdate(view(param), view(grad), out, lr));

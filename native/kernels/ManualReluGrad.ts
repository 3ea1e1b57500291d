/** dx = dy ⊙ 1(x > 0), relu'(0) = 0, NaN in x gives NaN (as the cpu kernel), threaded in the addon. */
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { reluGradArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualReluGrad = arrayKernelFunc(
  { ...reluGradArrays, loop: (view, [out], { dy, x }) => loadNativeAddon().reluGrad(view(dy), view(x), out) },
  nativeMemory,
);

/** dx = dy ⊙ 1(x > 0), relu'(0) = 0, NaN in x gives NaN (as the cpu kernel), threaded in the addon. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { reluGradArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualReluGrad = nativeArrayKernelFunc(reluGradArrays, (view, [out], { dy, x }) => loadNativeAddon().reluGrad(view(dy), view(x), out));

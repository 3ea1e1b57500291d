/** y = max(0, x), NaN kept (as the cpu kernel and tf.relu), threaded in the addon. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { reluArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualRelu = nativeArrayKernelFunc(reluArrays, (view, [out], { x }) => loadNativeAddon().relu(view(x), out));

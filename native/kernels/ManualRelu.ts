/** y = max(0, x), NaN kept (as the cpu kernel and tf.relu), threaded in the addon. */
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { reluArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualRelu = arrayKernelFunc({ ...reluArrays, loop: (view, [out], { x }) => loadNativeAddon().relu(view(x), out) }, nativeMemory);

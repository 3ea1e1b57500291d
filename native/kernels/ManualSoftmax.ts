/** p_nk = exp(z_nk − m_n) / Σ_j exp(z_nj − m_n), m_n the max of row n; rows split across threads. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { colsOf, softmaxArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSoftmax = nativeArrayKernelFunc(softmaxArrays, (view, [out], { logits }) => {
  if (out.length > 0) loadNativeAddon().softmax(view(logits), out, colsOf(logits));
});

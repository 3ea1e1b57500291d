/** dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / N (gradCE for one-hot rows), rows split across threads. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { colsOf, softmaxCrossEntropyGradArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSoftmaxCrossEntropyGrad = nativeArrayKernelFunc(softmaxCrossEntropyGradArrays, (view, [out], { dy, labels, logits }) => {
  if (out.length > 0) loadNativeAddon().softmaxCrossEntropyGrad(view(dy)[0], view(labels), view(logits), out, colsOf(logits));
});

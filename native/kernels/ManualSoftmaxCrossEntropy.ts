/** L = (1/N) Σ_n ((Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk), in double, rows split across threads. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { colsOf, softmaxCrossEntropyArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSoftmaxCrossEntropy = nativeArrayKernelFunc(softmaxCrossEntropyArrays, (view, [out], { labels, logits }) => {
  const z = view(logits);
  // No rows: the mean is 0/0, as the cpu kernel gives.
  out[0] = z.length === 0 ? NaN : loadNativeAddon().softmaxCrossEntropy(view(labels), z, colsOf(logits));
});

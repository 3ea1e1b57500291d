/** dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / N (gradCE for one-hot rows), rows split across threads. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { ManualSoftmaxCrossEntropyGrad } from '../../custom-ops/kernel_names.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { colsOf, softmaxCrossEntropyGradArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualSoftmaxCrossEntropyGrad = arrayKernelFunc(
  {
    ...softmaxCrossEntropyGradArrays,
    loop: (view, [out], { dy, labels, logits }) => {
      if (out.length > 0) loadNativeAddon().softmaxCrossEntropyGrad(view(dy)[0], view(labels), view(logits), out, colsOf(logits));
    },
  },
  nativeMemory,
);
export const manualSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: ManualSoftmaxCrossEntropyGrad,
  backendName: 'native',
  kernelFunc: manualSoftmaxCrossEntropyGrad,
};

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): sgemm with B transposed, each thread masking the rows it computed. */
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { checkedHiddenDeltaInputs } from '../../custom-ops/util/kernel_checks.js';

export const manualHiddenDelta = arrayKernelFunc(
  {
    checked: checkedHiddenDeltaInputs,
    outputShapes: ({ dy, w }) => [[dy.shape[0], w.shape[0]]],
    loop: (view, [out], { dy, w, preActivation }) => {
      const [rows, outputsCount] = dy.shape as [number, number];
      if (out.length === 0) return;
      if (outputsCount === 0) out.fill(0);
      else loadNativeAddon().matmul(view(dy), view(w), out, 1, rows, w.shape[0], outputsCount, false, true, 0, 0, null, false, view(preActivation));
    },
  },
  nativeMemory,
);

/** dW = xᵀ·dy (sgemm with A transposed, threaded) and db = 1ᵀ·dy (column sums in double), one kernel call. */
import { loadNativeAddon } from '../addon.js';
import { nativeMemory } from '../kernel_utils.js';
import { arrayKernelFunc } from '../../custom-ops/backends/common/array_kernel.js';
import { checkedDenseParamGradsInputs } from '../../custom-ops/util/kernel_checks.js';

export const manualDenseParamGrads = arrayKernelFunc(
  {
    checked: checkedDenseParamGradsInputs,
    outputShapes: ({ x, dy }) => [[x.shape[1], dy.shape[1]], [dy.shape[1]]],
    loop: (view, [dW, db], { x, dy }) => {
      const [rows, inputsCount] = x.shape as [number, number];
      const outputsCount = dy.shape[1];
      if (rows === 0) {
        dW.fill(0);
        db.fill(0);
        return;
      }
      loadNativeAddon().matmul(view(x), view(dy), dW, 1, inputsCount, outputsCount, rows, true, false, 0, 0, null, false);
      loadNativeAddon().sumLeading(view(dy), db, rows, outputsCount);
    },
  },
  nativeMemory,
);

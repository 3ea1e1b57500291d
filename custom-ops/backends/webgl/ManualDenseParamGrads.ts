import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backendColumnSums, backendMatMul } from '../../util/backend_kernels.js';
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';

/** dW = xᵀ·dy and db = 1ᵀ·dy by the webgl backend's BatchMatMul (its shader reads xᵀ in place) and Sum. */
export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  return [backendMatMul('webgl', backend, x, dy, true, false), backendColumnSums('webgl', backend, dy)];
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backendColumnSums, backendMatMul } from '../../util/backend_kernels.js';
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';

/** dW = xᵀ·dy and db = 1ᵀ·dy by the cpu backend's BatchMatMul and Sum, in one kernel call. */
export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  return [backendMatMul('cpu', backend, x, dy, true, false), backendColumnSums('cpu', backend, dy)];
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { float32Output, outputArray } from '../kernel_utils.js';
import { checkedDenseParamGradsInputs } from '../../custom-ops/util/kernel_checks.js';

/** dW = xᵀ·dy (sgemm with A transposed, threaded) and db = 1ᵀ·dy (column sums in double), one kernel call. */
export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const xVals = cpu.data.get(x.dataId).values as Float32Array;
  const dyVals = cpu.data.get(dy.dataId).values as Float32Array;
  const [rows, inputsCount] = x.shape as [number, number];
  const outputsCount = dy.shape[1];
  const dW = outputArray(cpu, inputsCount * outputsCount);
  const db = outputArray(cpu, outputsCount);
  const addon = loadNativeAddon();
  if (rows === 0) {
    dW.fill(0);
    db.fill(0);
  } else {
    addon.matmul(xVals, dyVals, dW, 1, inputsCount, outputsCount, rows, true, false, 0, 0, null, false);
    addon.sumLeading(dyVals, db, rows, outputsCount);
  }
  return [float32Output(cpu, [inputsCount, outputsCount], dW), float32Output(cpu, [outputsCount], db)];
};

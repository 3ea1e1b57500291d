import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { backendMatMul } from '../../util/backend_kernels.js';
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { reluGradInto } from '../../util/row_loops.js';

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the cpu backend's BatchMatMul, then the mask in place on its fresh output. */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const product = backendMatMul('cpu', cpu, dy, w, false, true);
  const values = cpu.data.get(product.dataId).values as Float32Array;
  reluGradInto(values, cpu.data.get(preActivation.dataId).values as Float32Array, values);
  return product;
};

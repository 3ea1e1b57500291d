import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { float32Output, outputArray } from '../kernel_utils.js';
import { checkedHiddenDeltaInputs } from '../../custom-ops/util/kernel_checks.js';

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): sgemm with B transposed, each thread masking the rows it computed. */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const [rows, outputsCount] = dy.shape as [number, number];
  const inputsCount = w.shape[0];
  const out = outputArray(cpu, rows * inputsCount);
  if (out.length > 0) {
    if (outputsCount === 0) {
      out.fill(0);
    } else {
      loadNativeAddon().matmul(values(dy), values(w), out, 1, rows, inputsCount, outputsCount, false, true, 0, 0, null, false, values(preActivation));
    }
  }
  return float32Output(cpu, [rows, inputsCount], out);
};

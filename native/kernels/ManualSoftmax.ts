import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedSoftmaxInputs } from '../../custom-ops/util/kernel_checks.js';
import { rowLayout } from '../../custom-ops/util/row_layout.js';

/** p_nk = exp(z_nk − m_n) / Σ_j exp(z_nj − m_n), m_n the max of row n; rows split across threads. */
export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const out = outputArray(cpu, zVals.length);
  const { cols } = rowLayout(logits.shape);
  if (zVals.length > 0) loadNativeAddon().softmax(zVals, out, cols);
  return cpu.makeTensorInfo(logits.shape, 'float32', out);
};

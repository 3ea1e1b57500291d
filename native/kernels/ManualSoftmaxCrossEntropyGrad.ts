import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../custom-ops/util/kernel_checks.js';
import { rowLayout } from '../../custom-ops/util/row_layout.js';

/** dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / N (gradCE for one-hot rows), rows split across threads. */
export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const dyValue = (cpu.data.get(dy.dataId).values as Float32Array)[0];
  const yVals = cpu.data.get(labels.dataId).values as Float32Array;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const out = outputArray(cpu, zVals.length);
  if (zVals.length > 0) loadNativeAddon().softmaxCrossEntropyGrad(dyValue, yVals, zVals, out, rowLayout(logits.shape).cols);
  return cpu.makeTensorInfo(logits.shape, 'float32', out);
};

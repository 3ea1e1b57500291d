import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { checkedSoftmaxCrossEntropyInputs } from '../../custom-ops/util/kernel_checks.js';
import { rowLayout } from '../../custom-ops/util/row_layout.js';

/** L = (1/N) Σ_n ((Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk), in double, rows split across threads. */
export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const yVals = cpu.data.get(labels.dataId).values as Float32Array;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  // No rows: the mean is 0/0, as the cpu kernel gives.
  const loss = zVals.length === 0 ? NaN : loadNativeAddon().softmaxCrossEntropy(yVals, zVals, rowLayout(logits.shape).cols);
  return cpu.makeTensorInfo([], 'float32', Float32Array.of(loss));
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxCrossEntropyMean } from '../../util/row_loops.js';

export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const yVals = cpu.data.get(labels.dataId).values as Float32Array;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const loss = softmaxCrossEntropyMean(yVals, zVals, rowLayout(logits.shape).cols);
  return cpu.makeTensorInfo([], 'float32', Float32Array.of(loss));
};

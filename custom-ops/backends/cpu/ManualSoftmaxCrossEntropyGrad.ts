import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxCrossEntropyGradInto } from '../../util/row_loops.js';

export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const dyValue = (cpu.data.get(dy.dataId).values as Float32Array)[0];
  const yVals = cpu.data.get(labels.dataId).values as Float32Array;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const out = new Float32Array(zVals.length);
  softmaxCrossEntropyGradInto(dyValue, yVals, zVals, rowLayout(logits.shape).cols, out);
  return cpu.makeTensorInfo(logits.shape, 'float32', out);
};

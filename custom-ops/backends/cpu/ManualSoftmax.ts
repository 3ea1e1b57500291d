import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxRowsInto } from '../../util/row_loops.js';

export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const out = new Float32Array(zVals.length);
  softmaxRowsInto(zVals, rowLayout(logits.shape).cols, out);
  return cpu.makeTensorInfo(logits.shape, 'float32', out);
};

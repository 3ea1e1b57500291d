import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { reluInto } from '../../util/row_loops.js';

export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const xVals = cpu.data.get(x.dataId).values as Float32Array;
  const out = new Float32Array(xVals.length);
  reluInto(xVals, out);
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { reluGradInto } from '../../util/row_loops.js';

export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const dyVals = cpu.data.get(dy.dataId).values as Float32Array;
  const xVals = cpu.data.get(x.dataId).values as Float32Array;
  const out = new Float32Array(xVals.length);
  reluGradInto(dyVals, xVals, out);
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

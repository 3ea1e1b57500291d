import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { sgdUpdateInto } from '../../util/update_loops.js';

export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const out = new Float32Array(values(param).length);
  sgdUpdateInto(values(param), values(grad), lr, out);
  return cpu.makeTensorInfo(param.shape, 'float32', out);
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamUpdateInto } from '../../util/update_loops.js';

export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, ...coefficients } = checkedAdamUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const size = values(param).length;
  const outs = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
  adamUpdateInto(values(param), values(grad), values(m), values(v), coefficients, outs[0], outs[1], outs[2]);
  return outs.map((out) => cpu.makeTensorInfo(param.shape, 'float32', out));
};

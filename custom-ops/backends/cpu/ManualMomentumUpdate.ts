import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { momentumUpdateInto } from '../../util/update_loops.js';

export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const size = values(param).length;
  const [outParam, outVelocity] = [new Float32Array(size), new Float32Array(size)];
  momentumUpdateInto(values(param), values(grad), values(velocity), lr, momentum, outParam, outVelocity);
  return [cpu.makeTensorInfo(param.shape, 'float32', outParam), cpu.makeTensorInfo(param.shape, 'float32', outVelocity)];
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedMomentumUpdateArgs } from '../../custom-ops/util/kernel_checks.js';

/** v' = γ·v + α·∇, W' = W − v' in one threaded pass (native/src/updates.cc). */
export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const size = values(param).length;
  const [outParam, outVelocity] = [outputArray(cpu, size), outputArray(cpu, size)];
  loadNativeAddon().momentumUpdate(values(param), values(grad), values(velocity), outParam, outVelocity, lr, momentum);
  return [cpu.makeTensorInfo(param.shape, 'float32', outParam), cpu.makeTensorInfo(param.shape, 'float32', outVelocity)];
};

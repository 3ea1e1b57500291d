import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedSgdUpdateArgs } from '../../custom-ops/util/kernel_checks.js';

/** W' = W − α·∇ in one threaded pass (native/src/updates.cc). */
export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const out = outputArray(cpu, values(param).length);
  loadNativeAddon().sgdUpdate(values(param), values(grad), out, lr);
  return cpu.makeTensorInfo(param.shape, 'float32', out);
};

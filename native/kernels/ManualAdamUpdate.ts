import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedAdamUpdateArgs } from '../../custom-ops/util/kernel_checks.js';
import { adamBiasCorrections } from '../../custom-ops/util/update_loops.js';

/** Adam's m', v' and W' in one threaded pass (native/src/updates.cc). */
export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, lr, beta1, beta2, epsilon, step } = checkedAdamUpdateArgs(inputs, attrs);
  const cpu = backend as MathBackendCPU;
  const values = (info: TensorInfo): Float32Array => cpu.data.get(info.dataId).values as Float32Array;
  const size = values(param).length;
  const outs = [outputArray(cpu, size), outputArray(cpu, size), outputArray(cpu, size)];
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  loadNativeAddon().adamUpdate(values(param), values(grad), values(m), values(v), outs[0], outs[1], outs[2], lr, beta1, beta2, epsilon, c1, c2);
  return outs.map((out) => cpu.makeTensorInfo(param.shape, 'float32', out));
};

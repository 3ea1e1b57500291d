import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedReluInputs } from '../../custom-ops/util/kernel_checks.js';

/** y = max(0, x), NaN kept (as the cpu kernel and tf.relu), threaded in the addon. */
export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const xVals = cpu.data.get(x.dataId).values as Float32Array;
  const out = outputArray(cpu, xVals.length);
  loadNativeAddon().relu(xVals, out);
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

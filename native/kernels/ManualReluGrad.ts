import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from '../addon.js';
import { outputArray } from '../kernel_utils.js';
import { checkedReluGradInputs } from '../../custom-ops/util/kernel_checks.js';

/** dx = dy ⊙ 1(x > 0), relu'(0) = 0, NaN in x gives NaN (as the cpu kernel), threaded in the addon. */
export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  const cpu = backend as MathBackendCPU;
  const dyVals = cpu.data.get(dy.dataId).values as Float32Array;
  const xVals = cpu.data.get(x.dataId).values as Float32Array;
  const out = outputArray(cpu, xVals.length);
  loadNativeAddon().reluGrad(dyVals, xVals, out);
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

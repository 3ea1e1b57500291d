import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { reluGradProgram } from './programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, withShape } from './webgpu_util.js';

export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  const gpu = asWebGPU(backend);
  const dyView = asFlat(gpu, dy);
  const xView = asFlat(gpu, x);
  const dx = gpu.runWebGPUProgram(reluGradProgram(xView.flat.shape[0]), [dyView.flat, xView.flat], 'float32');
  disposeAll(gpu, [...dyView.temporaries, ...xView.temporaries]);
  return withShape(gpu, dx, x.shape);
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { reluGradProgram } from './programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  return asWebGL(backend).runWebGLProgram(reluGradProgram(x.shape), [dy, x], 'float32');
};

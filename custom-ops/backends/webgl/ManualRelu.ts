import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { reluProgram } from './programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  return asWebGL(backend).runWebGLProgram(reluProgram(x.shape), [x], 'float32');
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { sgdParamProgram } from './update_programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  return asWebGL(backend).runWebGLProgram(sgdParamProgram(param.shape), [param, grad], 'float32', [[lr]]);
};

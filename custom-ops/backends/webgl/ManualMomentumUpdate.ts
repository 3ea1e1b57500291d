import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { momentumParamProgram, momentumVelocityProgram } from './update_programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  const webgl = asWebGL(backend);
  const newVelocity = webgl.runWebGLProgram(momentumVelocityProgram(param.shape), [velocity, grad], 'float32', [[momentum], [lr]]);
  const newParam = webgl.runWebGLProgram(momentumParamProgram(param.shape), [param, newVelocity], 'float32');
  return [newParam, newVelocity];
};

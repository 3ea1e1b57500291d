import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamBiasCorrections } from '../../util/update_loops.js';
import { adamMomentProgram, adamParamProgram } from './update_programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, lr, beta1, beta2, epsilon, step } = checkedAdamUpdateArgs(inputs, attrs);
  const webgl = asWebGL(backend);
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  const newM = webgl.runWebGLProgram(adamMomentProgram(param.shape, false), [m, grad], 'float32', [[beta1], [1 - beta1]]);
  const newV = webgl.runWebGLProgram(adamMomentProgram(param.shape, true), [v, grad], 'float32', [[beta2], [1 - beta2]]);
  const newParam = webgl.runWebGLProgram(adamParamProgram(param.shape), [param, newM, newV], 'float32', [[lr], [c1], [c2], [epsilon]]);
  return [newParam, newM, newV];
};

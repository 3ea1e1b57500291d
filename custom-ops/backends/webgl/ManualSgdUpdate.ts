import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate } from '../../kernel_names.js';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { sgdParamProgram } from './update_programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  return asWebGL(backend).runWebGLProgram(sgdParamProgram(param.shape), [param, grad], 'float32', [[lr]]);
};

export const manualSgdUpdateConfig: KernelConfig = { kernelName: ManualSgdUpdate, backendName: 'webgl', kernelFunc: manualSgdUpdate };

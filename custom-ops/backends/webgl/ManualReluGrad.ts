import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualReluGrad, kernelInputs, type ManualReluGradInputs } from '../../kernel_names.js';
import { assertFloat32Inputs, assertSameShape } from '../../util/kernel_checks.js';
import { reluGradProgram } from './programs_gpu.js';
import { asWebGL } from './webgl_util.js';

export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = kernelInputs<ManualReluGradInputs>(inputs);
  assertFloat32Inputs(ManualReluGrad, { dy, x });
  assertSameShape(ManualReluGrad, 'dy', dy, 'x', x);
  return asWebGL(backend).runWebGLProgram(reluGradProgram(x.shape), [dy, x], 'float32');
};

export const manualReluGradConfig: KernelConfig = { kernelName: ManualReluGrad, backendName: 'webgl', kernelFunc: manualReluGrad };

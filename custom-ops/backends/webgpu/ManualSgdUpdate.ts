import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { sgdParamProgram } from './update_programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, f32Uniforms, withShape } from './webgpu_util.js';

export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  const gpu = asWebGPU(backend);
  const [w, g] = [asFlat(gpu, param), asFlat(gpu, grad)];
  const out = gpu.runWebGPUProgram(sgdParamProgram(w.flat.shape[0]), [w.flat, g.flat], 'float32', f32Uniforms(lr));
  disposeAll(gpu, [...w.temporaries, ...g.temporaries]);
  return withShape(gpu, out, param.shape);
};

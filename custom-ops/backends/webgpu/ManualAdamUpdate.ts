import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamBiasCorrections } from '../../util/update_loops.js';
import { adamMomentProgram, adamParamProgram } from './update_programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, f32Uniforms, withShape } from './webgpu_util.js';

/** Three dispatches: m', v', then W' from them. Outputs [W', m', v']. */
export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, lr, beta1, beta2, epsilon, step } = checkedAdamUpdateArgs(inputs, attrs);
  const gpu = asWebGPU(backend);
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  const views = [asFlat(gpu, param), asFlat(gpu, grad), asFlat(gpu, m), asFlat(gpu, v)];
  const [w, g, m0, v0] = views.map((view) => view.flat);
  const size = w.shape[0];
  const newM = gpu.runWebGPUProgram(adamMomentProgram(size, false), [m0, g], 'float32', f32Uniforms(beta1, 1 - beta1));
  const newV = gpu.runWebGPUProgram(adamMomentProgram(size, true), [v0, g], 'float32', f32Uniforms(beta2, 1 - beta2));
  const newParam = gpu.runWebGPUProgram(adamParamProgram(size), [w, newM, newV], 'float32', f32Uniforms(lr, c1, c2, epsilon));
  disposeAll(gpu, views.flatMap((view) => view.temporaries));
  return [withShape(gpu, newParam, param.shape), withShape(gpu, newM, param.shape), withShape(gpu, newV, param.shape)];
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { momentumParamProgram, momentumVelocityProgram } from './update_programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, f32Uniforms, withShape } from './webgpu_util.js';

/** Two dispatches: v' = γ·v + α·∇, then W' = W − v'. Outputs [W', v']. */
export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  const gpu = asWebGPU(backend);
  const [w, g, v] = [asFlat(gpu, param), asFlat(gpu, grad), asFlat(gpu, velocity)];
  const size = w.flat.shape[0];
  const newVelocity = gpu.runWebGPUProgram(momentumVelocityProgram(size), [v.flat, g.flat], 'float32', f32Uniforms(momentum, lr));
  const newParam = gpu.runWebGPUProgram(momentumParamProgram(size), [w.flat, newVelocity], 'float32');
  disposeAll(gpu, [...w.temporaries, ...g.temporaries, ...v.temporaries]);
  return [withShape(gpu, newParam, param.shape), withShape(gpu, newVelocity, param.shape)];
};

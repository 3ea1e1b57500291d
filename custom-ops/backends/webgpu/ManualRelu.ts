import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { reluProgram } from './programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, withShape } from './webgpu_util.js';

export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  const gpu = asWebGPU(backend);
  const { flat, temporaries } = asFlat(gpu, x);
  const y = gpu.runWebGPUProgram(reluProgram(flat.shape[0]), [flat], 'float32');
  disposeAll(gpu, temporaries);
  return withShape(gpu, y, x.shape);
};

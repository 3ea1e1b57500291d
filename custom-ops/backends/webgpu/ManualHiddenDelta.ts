import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backendMatMul } from '../../util/backend_kernels.js';
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { reluGradProgram } from './programs_webgpu.js';
import { asFlat, asWebGPU, disposeAll, withShape } from './webgpu_util.js';

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the webgpu backend's BatchMatMul, then the relu-gradient program. */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  const gpu = asWebGPU(backend);
  const product = backendMatMul('webgpu', gpu, dy, w, false, true);
  const productView = asFlat(gpu, product);
  const mask = asFlat(gpu, preActivation);
  const out = gpu.runWebGPUProgram(reluGradProgram(mask.flat.shape[0]), [productView.flat, mask.flat], 'float32');
  disposeAll(gpu, [product, ...productView.temporaries, ...mask.temporaries]);
  return withShape(gpu, out, preActivation.shape);
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backendMatMul } from '../../util/backend_kernels.js';
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { reluGradProgram } from './programs_gpu.js';
import { asWebGL, disposeAll } from './webgl_util.js';

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the webgl backend's BatchMatMul, then the relu-gradient program. */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  const gl = asWebGL(backend);
  const product = backendMatMul('webgl', gl, dy, w, false, true);
  const out = gl.runWebGLProgram(reluGradProgram(preActivation.shape), [product, preActivation], 'float32');
  disposeAll(gl, [product]);
  return out;
};

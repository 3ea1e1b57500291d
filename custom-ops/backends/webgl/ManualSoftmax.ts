/** Three GPU passes: row max m, row Σ exp(z − m), then p = exp(z − m) / s elementwise. */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { rowMaxProgram, rowSumExpProgram, softmaxNormalizeProgram } from './programs_gpu.js';
import { asRows, asWebGL, disposeAll, reshapeWebGL } from './webgl_util.js';

export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  const gl = asWebGL(backend);
  const z = asRows(gl, logits);
  const { rows, cols } = z.layout;
  const rowMax = gl.runWebGLProgram(rowMaxProgram(rows, cols), [z.matrix], 'float32');
  const rowSum = gl.runWebGLProgram(rowSumExpProgram(rows, cols), [z.matrix, rowMax], 'float32');
  const probs = gl.runWebGLProgram(softmaxNormalizeProgram(rows, cols), [z.matrix, rowMax, rowSum], 'float32');
  disposeAll(gl, [rowMax, rowSum, ...z.temporaries]);
  if (logits.shape.length === 2) return probs;
  const out = reshapeWebGL(gl, probs, logits.shape);
  disposeAll(gl, [probs]);
  return out;
};

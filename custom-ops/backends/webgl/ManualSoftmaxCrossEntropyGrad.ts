/** dz = dy · (l ⊙ softmax(z) − y) / N from three row passes (max, Σ exp, Σ y) and one elementwise pass. */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { crossEntropyGradProgram, rowMaxProgram, rowSumExpProgram, rowSumProgram } from './programs_gpu.js';
import { asRows, asWebGL, disposeAll, reshapeWebGL } from './webgl_util.js';

export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const gl = asWebGL(backend);
  const dyScalar = reshapeWebGL(gl, dy, []);
  const z = asRows(gl, logits);
  const y = asRows(gl, labels);
  const { rows, cols } = z.layout;
  const rowMax = gl.runWebGLProgram(rowMaxProgram(rows, cols), [z.matrix], 'float32');
  const rowSum = gl.runWebGLProgram(rowSumExpProgram(rows, cols), [z.matrix, rowMax], 'float32');
  const labelSum = gl.runWebGLProgram(rowSumProgram(rows, cols), [y.matrix], 'float32');
  const grad = gl.runWebGLProgram(
    crossEntropyGradProgram(rows, cols),
    [dyScalar, z.matrix, y.matrix, rowMax, rowSum, labelSum],
    'float32',
  );
  disposeAll(gl, [dyScalar, rowMax, rowSum, labelSum, ...z.temporaries, ...y.temporaries]);
  if (logits.shape.length === 2) return grad;
  const out = reshapeWebGL(gl, grad, logits.shape);
  disposeAll(gl, [grad]);
  return out;
};

/**
 * L = (1/N) Σ_n ℓ_n on the GPU: row max, row Σ exp(z − m), per-row loss ℓ_n, then a tree of
 * partial sums over the N row losses whose last pass divides by N into a rank-0 tensor.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { PARTIAL_SUM_WINDOW, partialSumProgram, rowCrossEntropyProgram, rowMaxProgram, rowSumExpProgram } from './programs_gpu.js';
import { asRows, asWebGL, disposeAll } from './webgl_util.js';

export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const gl = asWebGL(backend);
  const z = asRows(gl, logits);
  const y = asRows(gl, labels);
  const { rows, cols } = z.layout;
  const rowMax = gl.runWebGLProgram(rowMaxProgram(rows, cols), [z.matrix], 'float32');
  const rowSum = gl.runWebGLProgram(rowSumExpProgram(rows, cols), [z.matrix, rowMax], 'float32');
  let partial = gl.runWebGLProgram(rowCrossEntropyProgram(rows, cols), [z.matrix, y.matrix, rowMax, rowSum], 'float32');
  disposeAll(gl, [rowMax, rowSum, ...z.temporaries, ...y.temporaries]);
  let length = rows;
  for (;;) {
    const last = length <= PARTIAL_SUM_WINDOW;
    const next = gl.runWebGLProgram(partialSumProgram(length, last ? rows : 1, last), [partial], 'float32');
    disposeAll(gl, [partial]);
    partial = next;
    if (last) return partial;
    length = Math.ceil(length / PARTIAL_SUM_WINDOW);
  }
};

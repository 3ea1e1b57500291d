/** dz = dy · (l ⊙ softmax(z) − y) / N in one dispatch, one workgroup per row (max, then Σ exp and Σ y). */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { crossEntropyGradProgram } from './programs_webgpu.js';
import { asRows, asWebGPU, disposeAll, reshapeWebGPU, withShape } from './webgpu_util.js';

export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const gpu = asWebGPU(backend);
  const dyScalar = reshapeWebGPU(gpu, dy, []);
  const z = asRows(gpu, logits);
  const y = asRows(gpu, labels);
  const grad = gpu.runWebGPUProgram(crossEntropyGradProgram(z.layout.rows, z.layout.cols), [z.matrix, y.matrix, dyScalar], 'float32');
  disposeAll(gpu, [dyScalar, ...z.temporaries, ...y.temporaries]);
  return withShape(gpu, grad, logits.shape);
};

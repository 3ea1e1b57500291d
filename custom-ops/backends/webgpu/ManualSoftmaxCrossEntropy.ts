/**
 * L = (1/N) Σ_n ℓ_n in two dispatches and no readback: one workgroup per row writes ℓ_n, then
 * one workgroup averages the N row losses into a rank-0 tensor.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { meanProgram, rowCrossEntropyProgram } from './programs_webgpu.js';
import { asRows, asWebGPU, disposeAll } from './webgpu_util.js';

export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const gpu = asWebGPU(backend);
  const z = asRows(gpu, logits);
  const y = asRows(gpu, labels);
  const rowLosses = gpu.runWebGPUProgram(rowCrossEntropyProgram(z.layout.rows, z.layout.cols), [z.matrix, y.matrix], 'float32');
  disposeAll(gpu, [...z.temporaries, ...y.temporaries]);
  const loss = gpu.runWebGPUProgram(meanProgram(), [rowLosses], 'float32');
  disposeAll(gpu, [rowLosses]);
  return loss;
};

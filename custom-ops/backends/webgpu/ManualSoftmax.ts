/** One dispatch, one workgroup per row: row max, row Σ exp(z − m), then p = exp(z − m) / s. */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { softmaxProgram } from './programs_webgpu.js';
import { asRows, asWebGPU, disposeAll, withShape } from './webgpu_util.js';

export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  const gpu = asWebGPU(backend);
  const z = asRows(gpu, logits);
  const probs = gpu.runWebGPUProgram(softmaxProgram(z.layout.rows, z.layout.cols), [z.matrix], 'float32');
  disposeAll(gpu, z.temporaries);
  return withShape(gpu, probs, logits.shape);
};

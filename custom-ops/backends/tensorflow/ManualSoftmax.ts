import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualSoftmax } from '../../kernel_names.js';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF Softmax over the last axis (TF shifts each row by its own max). */
export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  return floatOp(backend as TensorflowBackend, 'Softmax', [logits]);
};

export const manualSoftmaxConfig: KernelConfig = { kernelName: ManualSoftmax, backendName: 'tensorflow', kernelFunc: manualSoftmax };

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualSoftmax, kernelInputs, type ManualSoftmaxInputs } from '../../kernel_names.js';
import { assertFloat32Inputs, assertRankAtLeast1 } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF Softmax over the last axis (TF shifts each row by its own max). */
export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = kernelInputs<ManualSoftmaxInputs>(inputs);
  assertFloat32Inputs(ManualSoftmax, { logits });
  assertRankAtLeast1(ManualSoftmax, 'logits', logits);
  return floatOp(backend as TensorflowBackend, 'Softmax', [logits]);
};

export const manualSoftmaxConfig: KernelConfig = { kernelName: ManualSoftmax, backendName: 'tensorflow', kernelFunc: manualSoftmax };

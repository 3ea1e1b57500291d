import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualReluGrad } from '../../kernel_names.js';
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF ReluGrad(gradients, features) = gradients ⊙ 1(features > 0), so relu'(0) = 0. */
export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  return floatOp(backend as TensorflowBackend, 'ReluGrad', [dy, x]);
};

export const manualReluGradConfig: KernelConfig = { kernelName: ManualReluGrad, backendName: 'tensorflow', kernelFunc: manualReluGrad };

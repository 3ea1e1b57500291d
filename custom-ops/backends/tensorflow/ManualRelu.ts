import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualRelu } from '../../kernel_names.js';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF Relu: max(features, 0). */
export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  return floatOp(backend as TensorflowBackend, 'Relu', [x]);
};

export const manualReluConfig: KernelConfig = { kernelName: ManualRelu, backendName: 'tensorflow', kernelFunc: manualRelu };

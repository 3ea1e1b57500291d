import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualRelu, kernelInputs, type ManualReluInputs } from '../../kernel_names.js';
import { assertFloat32Inputs } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF Relu: max(features, 0). */
export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = kernelInputs<ManualReluInputs>(inputs);
  assertFloat32Inputs(ManualRelu, { x });
  return floatOp(backend as TensorflowBackend, 'Relu', [x]);
};

export const manualReluConfig: KernelConfig = { kernelName: ManualRelu, backendName: 'tensorflow', kernelFunc: manualRelu };

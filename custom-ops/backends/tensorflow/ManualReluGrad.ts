import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualReluGrad, kernelInputs, type ManualReluGradInputs } from '../../kernel_names.js';
import { assertFloat32Inputs, assertSameShape } from '../../util/kernel_checks.js';
import { floatOp, type TensorflowBackend } from './node_backend.js';

/** TF ReluGrad(gradients, features) = gradients ⊙ 1(features > 0), so relu'(0) = 0. */
export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = kernelInputs<ManualReluGradInputs>(inputs);
  assertFloat32Inputs(ManualReluGrad, { dy, x });
  assertSameShape(ManualReluGrad, 'dy', dy, 'x', x);
  return floatOp(backend as TensorflowBackend, 'ReluGrad', [dy, x]);
};

export const manualReluGradConfig: KernelConfig = { kernelName: ManualReluGrad, backendName: 'tensorflow', kernelFunc: manualReluGrad };

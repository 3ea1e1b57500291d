import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate, type ManualSgdUpdateAttrs } from '../kernel_names.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkUpdateInputs, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * W' = W − α·∇ in one pass, by the ManualSgdUpdate kernel. Returns the new parameter; the inputs are left as they are.
 */
export function manualSgdUpdate<T extends Tensor>(param: T | TensorOrLike, grad: T | TensorOrLike, hyper: ManualSgdUpdateAttrs): T {
  const op = 'manualSgdUpdate';
  const attrs = checkedNumberAttrs<ManualSgdUpdateAttrs>(op, hyper, ['lr']);
  return runKernelOp<T>(ManualSgdUpdate, op, { param, grad }, (inputs) => checkUpdateInputs(inputs, op), attrs);
}

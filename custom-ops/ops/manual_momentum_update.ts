import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualMomentumUpdate, type ManualMomentumUpdateAttrs } from '../kernel_names.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkUpdateInputs, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * The homework's momentum, v' = γ·v + α·∇, W' = W − v', in one pass by the ManualMomentumUpdate
 * kernel. Returns the new parameter and velocity.
 */
export function manualMomentumUpdate<T extends Tensor>(param: T | TensorOrLike, grad: T | TensorOrLike, velocity: T | TensorOrLike, hyper: ManualMomentumUpdateAttrs): { param: T; velocity: T } {
  const op = 'manualMomentumUpdate';
  const attrs = checkedNumberAttrs<ManualMomentumUpdateAttrs>(op, hyper, ['lr', 'momentum']);
  const [p, v] = runKernelOp<T[]>(ManualMomentumUpdate, op, { param, grad, velocity }, (inputs) => checkUpdateInputs(inputs, op), attrs);
  return { param: p, velocity: v };
}

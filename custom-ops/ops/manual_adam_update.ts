import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualAdamUpdate, type ManualAdamUpdateAttrs } from '../kernel_names.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkUpdateInputs, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * One Adam step t (≥ 1): m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·m̂/(√v̂ + ε),
 * m̂ = m'/(1−β1^t), v̂ = v'/(1−β2^t), in one pass by the ManualAdamUpdate kernel. Returns the new parameter and moments.
 */
export function manualAdamUpdate<T extends Tensor>(param: T | TensorOrLike, grad: T | TensorOrLike, m: T | TensorOrLike, v: T | TensorOrLike, hyper: ManualAdamUpdateAttrs): { param: T; m: T; v: T } {
  const op = 'manualAdamUpdate';
  const attrs = checkedNumberAttrs<ManualAdamUpdateAttrs>(op, hyper, ['lr', 'beta1', 'beta2', 'epsilon', 'step']);
  const [p, mOut, vOut] = runKernelOp<T[]>(ManualAdamUpdate, op, { param, grad, m, v }, (inputs) => checkUpdateInputs(inputs, op), attrs);
  return { param: p, m: mOut, v: vOut };
}

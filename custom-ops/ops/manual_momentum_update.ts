import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualMomentumUpdate, type ManualMomentumUpdateAttrs } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkFloatNonEmpty, checkSameShape, toTensor, type TensorOrLike } from '../util/op_args.js';

/**
 * The homework's momentum, v' = γ·v + α·∇, W' = W − v', in one pass by the ManualMomentumUpdate
 * kernel. Returns the new parameter and velocity.
 */
export function manualMomentumUpdate<T extends Tensor>(
  param: T | TensorOrLike,
  grad: T | TensorOrLike,
  velocity: T | TensorOrLike,
  hyper: ManualMomentumUpdateAttrs,
): { param: T; velocity: T } {
  ensureCustomOpsRegistered();
  const op = 'manualMomentumUpdate';
  const attrs = checkedNumberAttrs<ManualMomentumUpdateAttrs>(op, hyper, ['lr', 'momentum']);
  return tf.tidy(() => {
    const $param = toTensor(param, 'param', op);
    const $grad = toTensor(grad, 'grad', op);
    const $velocity = toTensor(velocity, 'velocity', op);
    for (const [name, t] of [['param', $param], ['grad', $grad], ['velocity', $velocity]] as const) checkFloatNonEmpty(t, name, op);
    checkSameShape($grad, 'grad', $param, 'param', op);
    checkSameShape($velocity, 'velocity', $param, 'param', op);
    const [p, v] = tf.engine().runKernel<T[]>(ManualMomentumUpdate, { param: $param, grad: $grad, velocity: $velocity }, attrs);
    return { param: p, velocity: v };
  });
}

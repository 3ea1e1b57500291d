import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualAdamUpdate, type ManualAdamUpdateAttrs } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkFloatNonEmpty, checkSameShape, toTensor, type TensorOrLike } from '../util/op_args.js';

/**
 * One Adam step t (≥ 1): m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·m̂/(√v̂ + ε),
 * m̂ = m'/(1−β1^t), v̂ = v'/(1−β2^t), in one pass by the ManualAdamUpdate kernel. Returns the new parameter and moments.
 */
export function manualAdamUpdate<T extends Tensor>(
  param: T | TensorOrLike,
  grad: T | TensorOrLike,
  m: T | TensorOrLike,
  v: T | TensorOrLike,
  hyper: ManualAdamUpdateAttrs,
): { param: T; m: T; v: T } {
  ensureCustomOpsRegistered();
  const op = 'manualAdamUpdate';
  const attrs = checkedNumberAttrs<ManualAdamUpdateAttrs>(op, hyper, ['lr', 'beta1', 'beta2', 'epsilon', 'step']);
  return tf.tidy(() => {
    const $param = toTensor(param, 'param', op);
    const $grad = toTensor(grad, 'grad', op);
    const $m = toTensor(m, 'm', op);
    const $v = toTensor(v, 'v', op);
    for (const [name, t] of [['param', $param], ['grad', $grad], ['m', $m], ['v', $v]] as const) checkFloatNonEmpty(t, name, op);
    for (const [name, t] of [['grad', $grad], ['m', $m], ['v', $v]] as const) checkSameShape(t, name, $param, 'param', op);
    const [p, mOut, vOut] = tf.engine().runKernel<T[]>(ManualAdamUpdate, { param: $param, grad: $grad, m: $m, v: $v }, attrs);
    return { param: p, m: mOut, v: vOut };
  });
}

import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSgdUpdate, type ManualSgdUpdateAttrs } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkedNumberAttrs } from '../util/kernel_checks.js';
import { checkFloatNonEmpty, checkSameShape, toTensor, type TensorOrLike } from '../util/op_args.js';

/**
 * W' = W − α·∇ in one pass, by the ManualSgdUpdate kernel. Returns the new parameter; the inputs are left as they are.
 */
export function manualSgdUpdate<T extends Tensor>(param: T | TensorOrLike, grad: T | TensorOrLike, hyper: ManualSgdUpdateAttrs): T {
  ensureCustomOpsRegistered();
  const op = 'manualSgdUpdate';
  const attrs = checkedNumberAttrs<ManualSgdUpdateAttrs>(op, hyper, ['lr']);
  return tf.tidy(() => {
    const $param = toTensor(param, 'param', op);
    const $grad = toTensor(grad, 'grad', op);
    checkFloatNonEmpty($param, 'param', op);
    checkFloatNonEmpty($grad, 'grad', op);
    checkSameShape($grad, 'grad', $param, 'param', op);
    return tf.engine().runKernel<T>(ManualSgdUpdate, { param: $param, grad: $grad }, attrs);
  });
}

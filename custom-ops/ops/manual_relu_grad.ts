import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualReluGrad } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkFloatNonEmpty, checkSameShape, toTensor, type TensorOrLike } from '../util/op_args.js';

/** dx = dy ⊙ 1(x > 0) (relu'(0) = 0), by the hand-written ManualReluGrad kernel. */
export function manualReluGrad<T extends Tensor>(dy: T | TensorOrLike, x: T | TensorOrLike): T {
  ensureCustomOpsRegistered();
  return tf.tidy(() => {
    const $dy = toTensor(dy, 'dy', 'manualReluGrad');
    const $x = toTensor(x, 'x', 'manualReluGrad');
    checkFloatNonEmpty($dy, 'dy', 'manualReluGrad');
    checkFloatNonEmpty($x, 'x', 'manualReluGrad');
    checkSameShape($dy, 'dy', $x, 'x', 'manualReluGrad');
    return tf.engine().runKernel<T>(ManualReluGrad, { dy: $dy, x: $x });
  });
}

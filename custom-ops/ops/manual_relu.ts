import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualRelu } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkFloatNonEmpty, toTensor, type TensorOrLike } from '../util/op_args.js';

/** y = max(0, x) elementwise, by the hand-written ManualRelu kernel. x: float32, rank ≥ 1, non-empty. */
export function manualRelu<T extends Tensor>(x: T | TensorOrLike): T {
  ensureCustomOpsRegistered();
  return tf.tidy(() => {
    const $x = toTensor(x, 'x', 'manualRelu');
    checkFloatNonEmpty($x, 'x', 'manualRelu');
    return tf.engine().runKernel<T>(ManualRelu, { x: $x });
  });
}

import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmax } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkFloatNonEmpty, toTensor, type TensorOrLike } from '../util/op_args.js';

/** Softmax over the last axis, each row shifted by its own max, by the ManualSoftmax kernel. */
export function manualSoftmax<T extends Tensor>(logits: T | TensorOrLike): T {
  ensureCustomOpsRegistered();
  return tf.tidy(() => {
    const $logits = toTensor(logits, 'logits', 'manualSoftmax');
    checkFloatNonEmpty($logits, 'logits', 'manualSoftmax');
    return tf.engine().runKernel<T>(ManualSoftmax, { logits: $logits });
  });
}

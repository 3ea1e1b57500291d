import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropyGrad } from '../kernel_names.js';
import { ensureCustomOpsRegistered } from '../register.js';
import { checkFloatNonEmpty, checkFloatScalar, checkSameShape, toTensor, type TensorOrLike } from '../util/op_args.js';

/**
 * dz = dy · (softmax(z) − y) / N (the homework's gradCE times the upstream scalar dy), by the
 * ManualSoftmaxCrossEntropyGrad kernel. dy: one float32 value; labels, logits as for the loss.
 */
export function manualSoftmaxCrossEntropyGrad<T extends Tensor>(
  dy: Tensor | TensorOrLike,
  labels: Tensor | TensorOrLike,
  logits: T | TensorOrLike,
): T {
  ensureCustomOpsRegistered();
  return tf.tidy(() => {
    const op = 'manualSoftmaxCrossEntropyGrad';
    const $dy = toTensor(dy, 'dy', op);
    const $labels = toTensor(labels, 'labels', op);
    const $logits = toTensor(logits, 'logits', op);
    checkFloatScalar($dy, 'dy', op);
    checkFloatNonEmpty($labels, 'labels', op);
    checkFloatNonEmpty($logits, 'logits', op);
    checkSameShape($labels, 'labels', $logits, 'logits', op);
    return tf.engine().runKernel<T>(ManualSoftmaxCrossEntropyGrad, { dy: $dy, labels: $labels, logits: $logits });
  });
}

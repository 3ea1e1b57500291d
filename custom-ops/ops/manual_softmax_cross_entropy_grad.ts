import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropyGrad } from '../kernel_names.js';
import { checkFloatNonEmpty, checkFloatScalar, checkSameShape, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * dz = dy · (softmax(z) − y) / N (the homework's gradCE times the upstream scalar dy), by the
 * ManualSoftmaxCrossEntropyGrad kernel. dy: one float32 value; labels, logits as for the loss.
 */
export function manualSoftmaxCrossEntropyGrad<T extends Tensor>(dy: Tensor | TensorOrLike, labels: Tensor | TensorOrLike, logits: T | TensorOrLike): T {
  const op = 'manualSoftmaxCrossEntropyGrad';
  return runKernelOp<T>(ManualSoftmaxCrossEntropyGrad, op, { dy, labels, logits }, ({ dy, labels, logits }) => {
    checkFloatScalar(dy, 'dy', op);
    checkFloatNonEmpty(labels, 'labels', op);
    checkFloatNonEmpty(logits, 'logits', op);
    checkSameShape(labels, 'labels', logits, 'logits', op);
  });
}

import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropy } from '../kernel_names.js';
import { checkFloatNonEmpty, checkSameShape, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * L = (1/N) Σ_n −Σ_k y_nk log softmax(z_n)_k over the N = size / lastDim rows, computed with
 * log-sum-exp (= (1/N) Σ_n (logsumexp(z_n) − Σ_k y_nk z_nk) for one-hot labels).
 * labels and logits: float32, same shape, rank ≥ 1 (rank 1 is one row).
 */
export function manualSoftmaxCrossEntropy(labels: Tensor | TensorOrLike, logits: Tensor | TensorOrLike): Scalar {
  const op = 'manualSoftmaxCrossEntropy';
  return runKernelOp<Scalar>(ManualSoftmaxCrossEntropy, op, { labels, logits }, ({ labels, logits }) => {
    checkFloatNonEmpty(labels, 'labels', op);
    checkFloatNonEmpty(logits, 'logits', op);
    checkSameShape(labels, 'labels', logits, 'logits', op);
  });
}

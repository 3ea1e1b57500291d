import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropy, ManualSoftmaxCrossEntropyGrad } from '../kernel_names.js';
import { rowLayout } from '../util/row_layout.js';

/**
 * L = (1/N) Σ_n −Σ_k y_nk log p_nk.
 * ∂L/∂z = dy · (p − y) / N (the ManualSoftmaxCrossEntropyGrad kernel; rows of y sum to 1),
 * ∂L/∂y = −dy · log softmax(z) / N.
 */
export const manualSoftmaxCrossEntropyGradConfig: GradConfig = {
  kernelName: ManualSoftmaxCrossEntropy,
  inputsToSave: ['labels', 'logits'],
  gradFunc: (dy, saved) => {
    const [labels, logits] = saved;
    const upstream = dy as Tensor;
    const { rows } = rowLayout(logits.shape);
    return {
      logits: () => tf.engine().runKernel<Tensor>(ManualSoftmaxCrossEntropyGrad, { dy: upstream, labels, logits }),
      labels: () => tf.mul(tf.div(upstream, -rows), tf.logSoftmax(logits, -1)),
    };
  },
};

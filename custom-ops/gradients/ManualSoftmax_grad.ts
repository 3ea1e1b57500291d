import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmax } from '../kernel_names.js';

/**
 * Softmax Jacobian-vector product over the last axis: dx = p ⊙ (dy − Σ_k dy_k p_k).
 * p is recomputed from the saved input rather than saved with outputsToSave: tfjs records a
 * saved output's clone on the tape before the kernel's own node, so a nested tf.grad cannot
 * trace through it (tf.softmax has the same limit); recomputing keeps second order working.
 */
export const manualSoftmaxGradConfig: GradConfig = {
  kernelName: ManualSoftmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved) => {
    const [logits] = saved;
    const upstream = dy as Tensor;
    return {
      logits: () => {
        const p = tf.engine().runKernel<Tensor>(ManualSoftmax, { logits });
        return tf.mul(p, tf.sub(upstream, tf.sum(tf.mul(upstream, p), -1, true)));
      },
    };
  },
};

import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmax, ManualSoftmaxCrossEntropyGrad } from '../kernel_names.js';
import { rowLayout } from '../util/row_layout.js';

/**
 * Second order. The kernel is G = dy · (s · p − y) / N with s = Σ_k y_k per row (s = 1 for
 * one-hot rows). For an upstream g (shape of logits):
 *   ∂/∂z  = (dy/N) · s · (p ⊙ g − p · Σ_k (p ⊙ g)_k)      (softmax Jacobian applied to g)
 *   ∂/∂y  = (dy/N) · (Σ_k (p ⊙ g)_k − g)                 (= −(dy/N)·g when s ≡ 1 is held fixed)
 *   ∂/∂dy = Σ (g ⊙ (s · p − y)) / N
 */
export const manualSoftmaxCrossEntropyGradGradConfig: GradConfig = {
  kernelName: ManualSoftmaxCrossEntropyGrad,
  inputsToSave: ['dy', 'labels', 'logits'],
  gradFunc: (g, saved) => {
    const [dy, labels, logits] = saved;
    const upstream = g as Tensor;
    const { rows } = rowLayout(logits.shape);
    const p = tf.engine().runKernel<Tensor>(ManualSoftmax, { logits });
    const labelSums = tf.sum(labels, -1, true);
    const pg = tf.mul(p, upstream);
    const pgSums = tf.sum(pg, -1, true);
    const scale = tf.div(tf.reshape(dy, []), rows);
    return {
      logits: () => tf.mul(tf.mul(scale, labelSums), tf.sub(pg, tf.mul(p, pgSums))),
      labels: () => tf.mul(scale, tf.sub(pgSums, upstream)),
      dy: () => tf.reshape(tf.div(tf.sum(tf.mul(upstream, tf.sub(tf.mul(labelSums, p), labels))), rows), dy.shape),
    };
  },
};

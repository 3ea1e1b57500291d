/**
 * What the page shows beside the curves, computed in the worker with the project's own model code:
 * the gradients layer by layer (hand-derived backprop against autodiff) and the test predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { autodiffBackprop, manualBackprop } from '../src/model/backprop.js';
import { forwardLogits, type MlpParams } from '../src/model/mlp.js';
import type { DigitPrediction, LayerNorms, TestInsight } from './worker_protocol.js';

/** ‖A‖_F as a scalar tensor. */
const frobenius = (t: tf.Tensor): tf.Scalar => tf.sqrt(tf.sum(tf.square(t))) as tf.Scalar;

/**
 * For each layer l on the batch (x, yOneHot) at `params`: ‖W_l‖, ‖∂L/∂W_l‖ by manual backprop
 * (dW_l = H_{l−1}ᵀ·G_l) and by tf.grads, and ‖manual − autodiff‖. One device read for all of them.
 * `manual` false (no handgrad kernels on this backend) leaves the manual columns null.
 */
export async function gradientNorms(params: MlpParams, x: tf.Tensor2D, yOneHot: tf.Tensor2D, manual: boolean): Promise<LayerNorms[]> {
  const L = params.weights.length;
  const stacked = tf.tidy(() => {
    const auto = autodiffBackprop(params, x, yOneHot).grads.dW;
    const hand = manual ? manualBackprop(params, x, yOneHot).grads.dW : auto;
    return tf.stack(params.weights.flatMap((w, l) => [frobenius(w), frobenius(hand[l]), frobenius(auto[l]), frobenius(tf.sub(hand[l], auto[l]))]));
  });
  const v = await stacked.data();
  stacked.dispose();
  return Array.from({ length: L }, (_, l) => ({
    layer: l + 1,
    shape: [params.weights[l].shape[0], params.weights[l].shape[1]] as [number, number],
    weight: v[4 * l],
    manual: manual ? v[4 * l + 1] : null,
    autodiff: v[4 * l + 2],
    difference: manual ? v[4 * l + 3] : null,
  }));
}

/** argmax and max of each row of P = softmax(Z), from row-major probabilities. */
function rowArgMax(probs: Float32Array | Int32Array | Uint8Array, rows: number, classes: number): { predicted: Int32Array; probability: Float32Array } {
  const predicted = new Int32Array(rows);
  const probability = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[r * classes + k] > probs[r * classes + best]) best = k;
    predicted[r] = best;
    probability[r] = probs[r * classes + best];
  }
  return { predicted, probability };
}

/** confusion[true][predicted] counts. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** The test split's confusion matrix and the predictions (class, probability) for the rows `sampleRows`. */
export async function testInsight(params: MlpParams, testX: tf.Tensor2D, labels: Int32Array, classes: number, sampleRows: readonly number[]): Promise<TestInsight> {
  const probsTensor = tf.tidy(() => tf.softmax(forwardLogits(params, testX)));
  const probs = (await probsTensor.data()) as Float32Array;
  probsTensor.dispose();
  const { predicted, probability } = rowArgMax(probs, labels.length, classes);
  const predictions: DigitPrediction[] = sampleRows.map((index) => ({ index, predicted: predicted[index], probability: probability[index] }));
  return { confusion: confusionMatrix(labels, predicted, classes), predictions };
}

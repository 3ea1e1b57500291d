/** One training step: gradients (hand-derived or autodiff) then an optimizer update. */
import * as tf from '@tensorflow/tfjs';
import { autodiffBackprop, manualBackprop } from '../model/backprop.js';
import type { MlpParams } from '../model/mlp.js';
import type { TrainConfig } from './config.js';
import { disposeOptimizerState, optimizerUpdate, type OptimizerState } from './optimizers.js';

/** Parameters as one list in layer order: W_1, b_1, W_2, b_2, … */
export function paramList(params: MlpParams): tf.Tensor[] {
  return params.weights.flatMap((w, i) => [w, params.biases[i]]);
}

export function paramsFromList(list: readonly tf.Tensor[]): MlpParams {
  const weights: tf.Tensor2D[] = [];
  const biases: tf.Tensor1D[] = [];
  for (let i = 0; i < list.length; i += 2) {
    weights.push(list[i] as tf.Tensor2D);
    biases.push(list[i + 1] as tf.Tensor1D);
  }
  return { weights, biases };
}

export type StepResult = {
  params: MlpParams;
  optimizerState: OptimizerState;
  /** The batch loss at the parameters the step started from. */
  loss: tf.Scalar;
  /** Z = f(x) at the parameters the step started from, when `keepLogits` asked for it. */
  logits?: tf.Tensor2D;
};

/**
 * Computes the gradients of the mean cross-entropy on (x, yOneHot) and applies one optimizer update.
 * Consumes `params` and `optimizerState` (their tensors are disposed) and returns new ones, plus the
 * batch loss (and, with `keepLogits`, the batch's logits from the same forward pass), which the
 * caller owns.
 */
export function trainStep(
  params: MlpParams,
  optimizerState: OptimizerState,
  x: tf.Tensor2D,
  yOneHot: tf.Tensor2D,
  config: TrainConfig,
  keepLogits = false,
): StepResult {
  const backprop = config.grad === 'manual' ? manualBackprop : autodiffBackprop;
  const { loss, grads, logits } = backprop(params, x, yOneHot, keepLogits);
  const gradList = paramList({ weights: grads.dW, biases: grads.db });
  const current = paramList(params);
  const update = optimizerUpdate(config.optimizer, current, gradList, optimizerState);
  tf.dispose([...gradList, ...current]);
  disposeOptimizerState(optimizerState);
  const next = { params: paramsFromList(update.params), optimizerState: update.state, loss };
  return logits === undefined ? next : { ...next, logits };
}

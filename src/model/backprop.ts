/**
 * Gradients of the mean cross-entropy loss with respect to every W_l and b_l, two ways:
 * by the hand-derived backprop of the homework (§1.2, generalised layer by layer) and by
 * tfjs autodiff over the same forward pass built from tfjs's built-in ops.
 */
import * as tf from '@tensorflow/tfjs';
import { manualDenseParamGrads, manualHiddenDelta, manualSoftmaxCrossEntropy, manualSoftmaxCrossEntropyGrad } from '../../custom-ops/index.js';
import { forwardBuiltin, forwardManual, layerSizesOf, type MlpParams } from './mlp.js';

export interface ParamGrads {
  /** ∂L/∂W_l, same shape as W_l. */
  dW: tf.Tensor2D[];
  /** ∂L/∂b_l, same shape as b_l. */
  db: tf.Tensor1D[];
}

export interface LossAndGrads {
  loss: tf.Scalar;
  grads: ParamGrads;
  /** Z of the forward pass the gradients came from, only when asked for (`keepLogits`). */
  logits?: tf.Tensor2D;
}

function checkLabels(params: MlpParams, x: tf.Tensor2D, yOneHot: tf.Tensor2D): void {
  const classes = layerSizesOf(params).at(-1);
  if (yOneHot.rank !== 2 || yOneHot.shape[0] !== x.shape[0] || yOneHot.shape[1] !== classes) {
    throw new Error(`yOneHot: expected shape [${x.shape[0]}, ${classes}] (one row per row of x), got [${yOneHot.shape.join(', ')}]`);
  }
}

/**
 * The homework's backprop, no tf.grad anywhere:
 *   L   = (1/N) Σ_n (logsumexp(Z_n) − Σ_k Y_nk Z_nk)           (ManualSoftmaxCrossEntropy)
 *   G_L = ∂L/∂Z = (P − Y)/N                                     (gradCE, ManualSoftmaxCrossEntropyGrad with dy = 1)
 *   dW_l = H_{l−1}ᵀ·G_l,  db_l = 1ᵀ·G_l                          (gradLossW, gradLossb: ManualDenseParamGrads)
 *   G_{l−1} = (G_l·W_lᵀ) ⊙ 1(R_{l−1} > 0)                       (hiddenDelta: ManualHiddenDelta, product and mask in one kernel)
 */
export function manualBackprop(params: MlpParams, x: tf.Tensor2D, yOneHot: tf.Tensor2D, keepLogits = false): LossAndGrads {
  checkLabels(params, x, yOneHot);
  return tf.tidy(() => {
    const { inputs: H, preActivations: R, logits: Z } = forwardManual(params, x);
    // Backward needs R_l only through 1(R_l > 0) = 1(H_l > 0) (H_l = max(0, R_l), NaN kept), so it reads
    // the mask off H and R is freed here: one activation-sized array less alive during backprop.
    tf.dispose(R);
    const loss = manualSoftmaxCrossEntropy(yOneHot, Z);
    const L = params.weights.length;
    const dW: tf.Tensor2D[] = new Array<tf.Tensor2D>(L);
    const db: tf.Tensor1D[] = new Array<tf.Tensor1D>(L);
    // Arrays are 0-based: params.weights[l] is W_{l+1}, H[l] is H_l.
    let G = manualSoftmaxCrossEntropyGrad<tf.Tensor2D>(tf.scalar(1), yOneHot, Z); // G_L = (P − Y)/N
    for (let l = L - 1; l >= 0; l--) {
      ({ dW: dW[l], db: db[l] } = manualDenseParamGrads(H[l], G)); //         dW_l = H_{l−1}ᵀ·G_l, db_l = 1ᵀ·G_l
      if (l > 0) G = manualHiddenDelta(G, params.weights[l], H[l]); //     G_{l−1} = (G_l·W_lᵀ) ⊙ 1(R_{l−1} > 0), as 1(H_{l−1} > 0)
    }
    return keepLogits ? { loss, grads: { dW, db }, logits: Z } : { loss, grads: { dW, db } };
  });
}

/** tf.grads over forwardBuiltin + tf.losses.softmaxCrossEntropy (built-in ops only). */
export function autodiffBackprop(params: MlpParams, x: tf.Tensor2D, yOneHot: tf.Tensor2D, keepLogits = false): LossAndGrads {
  checkLabels(params, x, yOneHot);
  const L = params.weights.length;
  let logits: tf.Tensor2D | undefined;
  const result = tf.tidy(() => {
    const lossOf = (...flat: tf.Tensor[]): tf.Scalar => {
      const weights = flat.slice(0, L) as tf.Tensor2D[];
      const biases = flat.slice(L) as tf.Tensor1D[];
      const z = forwardBuiltin({ weights, biases }, x);
      // tf.grads disposes the forward pass's intermediates; keep Z past it when asked for.
      if (keepLogits) logits = tf.keep(z);
      return tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(yOneHot, z);
    };
    const { value, grads } = tf.valueAndGrads(lossOf)([...params.weights, ...params.biases]);
    return {
      loss: value,
      grads: { dW: grads.slice(0, L) as tf.Tensor2D[], db: grads.slice(L) as tf.Tensor1D[] },
    };
  });
  return logits === undefined ? result : { ...result, logits };
}

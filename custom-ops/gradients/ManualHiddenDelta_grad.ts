import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualHiddenDelta, ManualReluGrad } from '../kernel_names.js';

/**
 * out = (dy·Wᵀ) ⊙ M with the mask M = 1(preActivation > 0), linear in dy and in W and piecewise
 * constant in preActivation. For an upstream g (N×in), with gM = g ⊙ M (= ManualReluGrad(g, pre)):
 *   ∂/∂dy = gM·W      (N×out)
 *   ∂/∂W  = gMᵀ·dy    (in×out)
 *   ∂/∂preActivation = 0
 */
export const manualHiddenDeltaGradConfig: GradConfig = {
  kernelName: ManualHiddenDelta,
  inputsToSave: ['dy', 'w', 'preActivation'],
  gradFunc: (g, saved) => {
    const [dy, w, preActivation] = saved;
    const masked = (): Tensor => tf.engine().runKernel<Tensor>(ManualReluGrad, { dy: g as Tensor, x: preActivation });
    return {
      dy: () => tf.matMul(masked(), w),
      w: () => tf.matMul(masked(), dy, true, false),
      preActivation: () => tf.zerosLike(preActivation),
    };
  },
};

import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualReluGrad } from '../kernel_names.js';

/**
 * ManualReluGrad(dy, x) = dy ⊙ 1(x > 0) is linear in dy and piecewise constant in x, so for an
 * upstream g: ∂/∂dy = g ⊙ 1(x > 0) = ManualReluGrad(g, x) and ∂/∂x = 0.
 */
export const manualReluGradGradConfig: GradConfig = {
  kernelName: ManualReluGrad,
  inputsToSave: ['x'],
  gradFunc: (g, [x]) => ({ dy: () => tf.engine().runKernel<Tensor>(ManualReluGrad, { dy: g as Tensor, x }), x: () => tf.zerosLike(x) }),
};

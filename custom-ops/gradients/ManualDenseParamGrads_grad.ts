import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualDenseParamGrads } from '../kernel_names.js';

/**
 * dW = xᵀ·dy and db = 1ᵀ·dy are bilinear in (x, dy). For upstreams gW (in×out) and gb (out):
 *   ∂/∂x  = dy·gWᵀ              (N×in)
 *   ∂/∂dy = x·gW + 1·gbᵀ         (N×out: gb added to every row)
 */
export const manualDenseParamGradsGradConfig: GradConfig = {
  kernelName: ManualDenseParamGrads,
  inputsToSave: ['x', 'dy'],
  gradFunc: (upstream, saved) => {
    const [x, dy] = saved;
    const [gW, gb] = upstream as Tensor[];
    return {
      x: () => tf.matMul(dy, gW, false, true),
      dy: () => tf.add(tf.matMul(x, gW), gb),
    };
  },
};

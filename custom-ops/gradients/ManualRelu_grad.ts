import * as tf from '@tensorflow/tfjs';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { ManualRelu, ManualReluGrad } from '../kernel_names.js';

/** dx = dy ⊙ 1(x > 0), computed by the hand-written ManualReluGrad kernel. */
export const manualReluGradConfig: GradConfig = {
  kernelName: ManualRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel<Tensor>(ManualReluGrad, { dy: dy as Tensor, x }) }),
};

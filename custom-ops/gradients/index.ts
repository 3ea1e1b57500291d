import type { GradConfig } from '@tensorflow/tfjs-core';
import { manualReluGradConfig } from './ManualRelu_grad.js';
import { manualReluGradGradConfig } from './ManualReluGrad_grad.js';
import { manualSoftmaxGradConfig } from './ManualSoftmax_grad.js';
import { manualSoftmaxCrossEntropyGradConfig } from './ManualSoftmaxCrossEntropy_grad.js';
import { manualSoftmaxCrossEntropyGradGradConfig } from './ManualSoftmaxCrossEntropyGrad_grad.js';

/** One gradient per handgrad kernel. */
export const gradConfigs: GradConfig[] = [
  manualReluGradConfig,
  manualReluGradGradConfig,
  manualSoftmaxGradConfig,
  manualSoftmaxCrossEntropyGradConfig,
  manualSoftmaxCrossEntropyGradGradConfig,
];

import type { GradConfig } from '@tensorflow/tfjs-core';
import { manualReluGradConfig } from './ManualRelu_grad.js';
import { manualReluGradGradConfig } from './ManualReluGrad_grad.js';
import { manualSoftmaxGradConfig } from './ManualSoftmax_grad.js';
import { manualSoftmaxCrossEntropyGradConfig } from './ManualSoftmaxCrossEntropy_grad.js';
import { manualSoftmaxCrossEntropyGradGradConfig } from './ManualSoftmaxCrossEntropyGrad_grad.js';
import { manualDenseParamGradsGradConfig } from './ManualDenseParamGrads_grad.js';
import { manualHiddenDeltaGradConfig } from './ManualHiddenDelta_grad.js';

/** One gradient per differentiable handgrad kernel. */
export const gradConfigs: GradConfig[] = [
  manualReluGradConfig,
  manualReluGradGradConfig,
  manualSoftmaxGradConfig,
  manualSoftmaxCrossEntropyGradConfig,
  manualSoftmaxCrossEntropyGradGradConfig,
  manualDenseParamGradsGradConfig,
  manualHiddenDeltaGradConfig,
];

import type { KernelConfig } from '@tensorflow/tfjs-core';
import { manualReluConfig } from './ManualRelu.js';
import { manualReluGradConfig } from './ManualReluGrad.js';
import { manualSoftmaxConfig } from './ManualSoftmax.js';
import { manualSoftmaxCrossEntropyConfig } from './ManualSoftmaxCrossEntropy.js';
import { manualSoftmaxCrossEntropyGradConfig } from './ManualSoftmaxCrossEntropyGrad.js';

/** Every handgrad kernel on the native backend (handgrad's Node-API addon), one file each beside this list. */
export const nativeKernelConfigs: KernelConfig[] = [
  manualReluConfig,
  manualReluGradConfig,
  manualSoftmaxConfig,
  manualSoftmaxCrossEntropyConfig,
  manualSoftmaxCrossEntropyGradConfig,
];

import type { KernelConfig } from '@tensorflow/tfjs-core';
import { manualAdamUpdateConfig } from './ManualAdamUpdate.js';
import { manualDenseParamGradsConfig } from './ManualDenseParamGrads.js';
import { manualHiddenDeltaConfig } from './ManualHiddenDelta.js';
import { manualMomentumUpdateConfig } from './ManualMomentumUpdate.js';
import { manualReluConfig } from './ManualRelu.js';
import { manualReluGradConfig } from './ManualReluGrad.js';
import { manualSoftmaxConfig } from './ManualSoftmax.js';
import { manualSoftmaxCrossEntropyConfig } from './ManualSoftmaxCrossEntropy.js';
import { manualSoftmaxCrossEntropyGradConfig } from './ManualSoftmaxCrossEntropyGrad.js';
import { manualSgdUpdateConfig } from './ManualSgdUpdate.js';

/**
 * Every handgrad kernel on the webgpu backend, one file each beside this list. Plain objects:
 * registering them touches neither navigator.gpu nor tfjs-backend-webgpu, so Node and browsers
 * without WebGPU pay nothing.
 */
export const webgpuKernelConfigs: KernelConfig[] = [
  manualReluConfig,
  manualReluGradConfig,
  manualSoftmaxConfig,
  manualSoftmaxCrossEntropyConfig,
  manualSoftmaxCrossEntropyGradConfig,
  manualDenseParamGradsConfig,
  manualHiddenDeltaConfig,
  manualSgdUpdateConfig,
  manualMomentumUpdateConfig,
  manualAdamUpdateConfig,
];

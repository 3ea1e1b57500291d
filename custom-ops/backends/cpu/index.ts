import type { KernelConfig } from '@tensorflow/tfjs-core';
import { manualReluConfig } from './ManualRelu.js';
import { manualReluGradConfig } from './ManualReluGrad.js';
import { manualSoftmaxConfig } from './ManualSoftmax.js';
import { manualSoftmaxCrossEntropyConfig } from './ManualSoftmaxCrossEntropy.js';
import { manualSoftmaxCrossEntropyGradConfig } from './ManualSoftmaxCrossEntropyGrad.js';
import { manualDenseParamGradsConfig } from './ManualDenseParamGrads.js';
import { manualHiddenDeltaConfig } from './ManualHiddenDelta.js';
import { manualSgdUpdateConfig } from './ManualSgdUpdate.js';
import { manualMomentumUpdateConfig } from './ManualMomentumUpdate.js';
import { manualAdamUpdateConfig } from './ManualAdamUpdate.js';

/** Every handgrad kernel on the cpu backend, one file each beside this list. */
export const cpuKernelConfigs: KernelConfig[] = [
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

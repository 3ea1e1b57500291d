import type { KernelConfig } from '@tensorflow/tfjs-core';
import { _fusedMatMulConfig } from './_FusedMatMul.js';
import { addConfig } from './Add.js';
import { batchMatMulConfig } from './BatchMatMul.js';
import { expConfig } from './Exp.js';
import { logConfig } from './Log.js';
import { maximumConfig } from './Maximum.js';
import { minimumConfig } from './Minimum.js';
import { multiplyConfig } from './Multiply.js';
import { negConfig } from './Neg.js';
import { realDivConfig } from './RealDiv.js';
import { reluConfig } from './Relu.js';
import { stepConfig } from './Step.js';
import { subConfig } from './Sub.js';
import { sumConfig } from './Sum.js';
import { transposeConfig } from './Transpose.js';
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

/** tfjs built-in kernels the native backend runs in native code (the rest are the cpu backend's). */
export const nativeBuiltinKernelConfigs: KernelConfig[] = [
  batchMatMulConfig,
  _fusedMatMulConfig,
  addConfig,
  subConfig,
  multiplyConfig,
  realDivConfig,
  maximumConfig,
  minimumConfig,
  negConfig,
  expConfig,
  logConfig,
  reluConfig,
  stepConfig,
  sumConfig,
  transposeConfig,
];

/** handgrad's own kernels on the native backend (their gradients are backend-independent, in custom-ops). */
export const nativeCustomKernelConfigs: KernelConfig[] = [
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

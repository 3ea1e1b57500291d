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

/**
 * handgrad's own kernels on the native backend, as a CustomKernelFuncs map: each kernel's kernelFunc
 * under the kernel's name (their gradients are backend-independent, in custom-ops). backend.ts
 * derives their KernelConfigs.
 */
export { manualRelu as ManualRelu } from './ManualRelu.js';
export { manualReluGrad as ManualReluGrad } from './ManualReluGrad.js';
export { manualSoftmax as ManualSoftmax } from './ManualSoftmax.js';
export { manualSoftmaxCrossEntropy as ManualSoftmaxCrossEntropy } from './ManualSoftmaxCrossEntropy.js';
export { manualSoftmaxCrossEntropyGrad as ManualSoftmaxCrossEntropyGrad } from './ManualSoftmaxCrossEntropyGrad.js';
export { manualDenseParamGrads as ManualDenseParamGrads } from './ManualDenseParamGrads.js';
export { manualHiddenDelta as ManualHiddenDelta } from './ManualHiddenDelta.js';
export { manualSgdUpdate as ManualSgdUpdate } from './ManualSgdUpdate.js';
export { manualMomentumUpdate as ManualMomentumUpdate } from './ManualMomentumUpdate.js';
export { manualAdamUpdate as ManualAdamUpdate } from './ManualAdamUpdate.js';

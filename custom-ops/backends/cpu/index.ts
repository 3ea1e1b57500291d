/**
 * Every handgrad kernel on the cpu backend, as a CustomKernelFuncs map: each kernel's kernelFunc
 * under the kernel's name, from its file beside this one. register.ts derives the KernelConfigs.
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

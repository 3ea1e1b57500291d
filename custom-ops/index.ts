/** handgrad's custom-op plugin: hand-written kernels and gradients registered with tfjs. */
export * from './kernel_names.js';
export { registerCustomOps, unregisterCustomOps, customOpsRegistered } from './register.js';
export { manualRelu } from './ops/manual_relu.js';
export { manualReluGrad } from './ops/manual_relu_grad.js';
export { manualSoftmax } from './ops/manual_softmax.js';
export { manualSoftmaxCrossEntropy } from './ops/manual_softmax_cross_entropy.js';
export { manualSoftmaxCrossEntropyGrad } from './ops/manual_softmax_cross_entropy_grad.js';
export { manualSgdUpdate } from './ops/manual_sgd_update.js';
export { manualMomentumUpdate } from './ops/manual_momentum_update.js';
export { manualAdamUpdate } from './ops/manual_adam_update.js';
export { manualDenseParamGrads } from './ops/manual_dense_param_grads.js';
export { manualHiddenDelta } from './ops/manual_hidden_delta.js';

/**
 * handgrad/model: the homework's MLP (any depth) in row-major layout, Xavier initialisation, the
 * forward pass on handgrad's kernels or tfjs built-ins, and the hand-derived backprop beside tf.grads.
 */
export {
  disposeParams,
  forwardBuiltin,
  forwardLogits,
  forwardManual,
  layerSizesOf,
  parameterCount,
  predictProbs,
  xavierInit,
  type ForwardPass,
  type MlpParams,
} from './mlp.js';
export { autodiffBackprop, manualBackprop, type LossAndGrads, type ParamGrads } from './backprop.js';

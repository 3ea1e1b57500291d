/**
 * handgrad/train: the training loop (pure tfjs, so it runs in Node and in a page): configuration
 * and its defaults, initial state, epochs of mini-batch or full-batch steps with momentum, SGD or
 * Adam, and loss and accuracy on train, valid and test after each epoch.
 */
export {
  ADAM_DEFAULTS,
  DEFAULT_LR,
  GRAD_MODES,
  OPTIMIZERS,
  TRAIN_DEFAULTS,
  type GradMode,
  type OptimizerConfig,
  type OptimizerKind,
  type TrainConfig,
} from './config.js';
export {
  disposeTensorData,
  disposeTrainState,
  evaluate,
  initTrainState,
  toTensorData,
  trainEpochs,
  type EpochMetrics,
  type SplitMetrics,
  type TensorData,
  type TensorSplit,
  type TrainHooks,
  type TrainOptions,
  type TrainResult,
  type TrainState,
} from './loop.js';

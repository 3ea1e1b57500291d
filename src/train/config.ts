/** The training run's configuration: plain JSON, shared by the CLI, the loop and the browser runner. */
export const GRAD_MODES = ['manual', 'autodiff'] as const;
export type GradMode = (typeof GRAD_MODES)[number];
export const OPTIMIZERS = ['momentum', 'sgd', 'adam'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

export type OptimizerConfig = {
  kind: OptimizerKind;
  /** α, the learning rate. */
  lr: number;
  /** γ in the homework's momentum update v ← γv + α∇, W ← W − v. */
  momentum: number;
  /** Adam's β1, β2, ε (Kingma & Ba 2015, Algorithm 1). */
  beta1: number;
  beta2: number;
  epsilon: number;
};

/** Adam's β1, β2, ε when not given (tfjs's tf.train.adam defaults). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export type TrainConfig = {
  layers: number[];
  seed: number;
  grad: GradMode;
  optimizer: OptimizerConfig;
  /** 0 = full batch. */
  batchSize: number;
  epochs: number;
};

/** Rows per forward pass when computing loss and accuracy (bounds the activations held at once). */
export const EVAL_CHUNK = 10000;

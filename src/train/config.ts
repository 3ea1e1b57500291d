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

/**
 * Every default of a training run, in one place. `npm run train` with no flags: 784-256-10 on MNIST,
 * the hand-derived backprop, Adam, mini-batches of 128, 8 epochs, the fastest backend that loads,
 * a checkpoint write at most every 30 s.
 */
export const TRAIN_DEFAULTS = {
  data: 'mnist',
  hidden: 256,
  seed: 1,
  grad: 'manual',
  optimizer: 'adam',
  momentum: 0.9,
  batchSize: 128,
  epochs: 8,
  backend: 'auto',
  checkpointEvery: 30,
} as const satisfies { grad: GradMode; optimizer: OptimizerKind } & Record<string, string | number>;

/** Learning rate α when none is given, per optimizer. */
export const DEFAULT_LR: Readonly<Record<OptimizerKind, number>> = { adam: 1e-3, momentum: 0.1, sgd: 0.1 };

/** The training page's starting form: a small network that trains on the page's 2000 images in seconds. */
export const PAGE_TRAIN_DEFAULTS = {
  backend: 'webgl',
  layers: [784, 64, 10],
  epochs: 5,
  grad: 'manual',
  optimizer: 'momentum',
  lr: 0.1,
  batchSize: 100,
  seed: 1,
} as const satisfies { grad: GradMode; optimizer: OptimizerKind } & Record<string, unknown>;

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

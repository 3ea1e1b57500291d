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

/**
 * The bounds of every number in a TrainConfig. The CLI checks its flags with these (`--lr: -5 must be
 * > 0`) and a run's config.json is checked with the same ones on --resume, so a hand-edited file
 * cannot hold what the flags refuse.
 */
export type NumberRule = { integer?: boolean; min?: number; minExclusive?: number; maxExclusive?: number };

export const CONFIG_RULES = {
  layerSize: { integer: true, min: 1 },
  seed: { integer: true, min: 0 },
  lr: { minExclusive: 0 },
  momentum: { min: 0, maxExclusive: 1 },
  beta1: { min: 0, maxExclusive: 1 },
  beta2: { min: 0, maxExclusive: 1 },
  epsilon: { minExclusive: 0 },
  batchSize: { integer: true, min: 0 },
  epochs: { integer: true, min: 1 },
  subsetSize: { integer: true, min: 1 },
  /** --scale: pixels are divided by it. */
  scale: { minExclusive: 0 },
} as const satisfies Record<string, NumberRule>;

/** What is wrong with `value` under `rule` ("must be > 0"), or null when it is fine. */
export function ruleViolation(value: unknown, rule: NumberRule): string | null {
  if (value === undefined) return 'is missing';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${JSON.stringify(value)} is not a number`;
  if (rule.integer === true && !Number.isSafeInteger(value)) return `${value} is not an integer`;
  if (rule.min !== undefined && value < rule.min) return `${value} must be ${rule.integer === true ? 'an integer ' : ''}≥ ${rule.min}`;
  if (rule.minExclusive !== undefined && value <= rule.minExclusive) return `${value} must be > ${rule.minExclusive}`;
  if (rule.maxExclusive !== undefined && value >= rule.maxExclusive) return `${value} must be < ${rule.maxExclusive}`;
  return null;
}

/** A config that failed validation; `field` is its path in the JSON ("optimizer.lr"). */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'ConfigError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumber(value: unknown, field: string, rule: NumberRule): number {
  const problem = ruleViolation(value, rule);
  if (problem !== null) throw new ConfigError(field, problem);
  return value as number;
}

function checkChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(field, `${JSON.stringify(value) ?? 'missing'} is not one of ${choices.join(', ')}`);
}

/** Checks a TrainConfig read from JSON with the flags' rules; throws ConfigError naming the first bad field. */
export function validateTrainConfig(value: unknown): TrainConfig {
  if (!isRecord(value)) throw new ConfigError('config', 'is not an object');
  if (!Array.isArray(value.layers) || value.layers.length < 2) throw new ConfigError('config.layers', `${JSON.stringify(value.layers) ?? 'missing'} needs at least an input and an output size`);
  const layers = value.layers.map((n: unknown, i) => checkNumber(n, `config.layers[${i}]`, CONFIG_RULES.layerSize));
  if (layers[layers.length - 1] < 2) throw new ConfigError('config.layers', `${JSON.stringify(layers)}: the last size is the number of classes and must be ≥ 2`);
  const o = value.optimizer;
  if (!isRecord(o)) throw new ConfigError('config.optimizer', 'is not an object');
  const optimizer: OptimizerConfig = {
    kind: checkChoice(o.kind, 'config.optimizer.kind', OPTIMIZERS),
    lr: checkNumber(o.lr, 'config.optimizer.lr', CONFIG_RULES.lr),
    momentum: checkNumber(o.momentum, 'config.optimizer.momentum', CONFIG_RULES.momentum),
    beta1: checkNumber(o.beta1, 'config.optimizer.beta1', CONFIG_RULES.beta1),
    beta2: checkNumber(o.beta2, 'config.optimizer.beta2', CONFIG_RULES.beta2),
    epsilon: checkNumber(o.epsilon, 'config.optimizer.epsilon', CONFIG_RULES.epsilon),
  };
  return {
    layers,
    seed: checkNumber(value.seed, 'config.seed', CONFIG_RULES.seed),
    grad: checkChoice(value.grad, 'config.grad', GRAD_MODES),
    optimizer,
    batchSize: checkNumber(value.batchSize, 'config.batchSize', CONFIG_RULES.batchSize),
    epochs: checkNumber(value.epochs, 'config.epochs', CONFIG_RULES.epochs),
  };
}

/** Checks an optional subset size (`--train-size`) read from JSON. */
export function validateSubsetSize(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : checkNumber(value, field, CONFIG_RULES.subsetSize);
}

/**
 * The page's two forms read into a TrainConfig and the checker's CheckOptions. Pure (strings in),
 * so it is unit-tested in Node; every error is a FieldError naming the field by its label.
 */
import { DEFAULT_CHECK_OPTIONS, validateCheckOptions, type CheckOptions } from '../src/checks/checks.js';
import { ADAM_DEFAULTS, GRAD_MODES, OPTIMIZERS, PAGE_TRAIN_DEFAULTS, TRAIN_DEFAULTS, type GradMode, type OptimizerKind, type TrainConfig } from '../src/train/config.js';

/** A bad value in one form field: `field` is the input's id, the message starts with its label. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

export type TrainFields = { layers: string; epochs: string; grad: string; optimizer: string; lr: string; batch: string; seed: string };
export type CheckFields = { 'compare-layers': string; 'compare-batch': string; 'compare-seed': string };

/** The forms' starting values, from the one place each default lives (src/train/config.ts, src/checks/checks.ts). */
export function defaultFields(): TrainFields & CheckFields {
  const d = PAGE_TRAIN_DEFAULTS;
  return {
    layers: d.layers.join(','),
    epochs: String(d.epochs),
    grad: d.grad,
    optimizer: d.optimizer,
    lr: String(d.lr),
    batch: String(d.batchSize),
    seed: String(d.seed),
    'compare-layers': DEFAULT_CHECK_OPTIONS.layers.join(','),
    'compare-batch': String(DEFAULT_CHECK_OPTIONS.batch),
    'compare-seed': String(DEFAULT_CHECK_OPTIONS.seed),
  };
}

/** The visible label of each field, as errors name them. */
export const FIELD_LABELS: Record<keyof TrainFields | keyof CheckFields, string> = {
  layers: 'layer sizes',
  epochs: 'epochs',
  grad: 'gradients',
  optimizer: 'optimizer',
  lr: 'learning rate',
  batch: 'batch size',
  seed: 'seed',
  'compare-layers': 'check layers',
  'compare-batch': 'check batch',
  'compare-seed': 'check seed',
};

export function parseLayers(text: string, field: keyof TrainFields | keyof CheckFields): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  const bad = parts.findIndex((s, i) => s === '' || !Number.isInteger(sizes[i]) || sizes[i] < 1);
  if (parts.length < 2 || bad >= 0) {
    const what = parts.length < 2 ? 'need at least an input and an output size' : `"${parts[bad]}" is not a positive integer`;
    throw new FieldError(field, `${FIELD_LABELS[field]}: ${what}; expected comma-separated sizes like 784,64,10, got "${text}"`);
  }
  return sizes;
}

function intField(text: string, field: keyof TrainFields | keyof CheckFields, min: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min) throw new FieldError(field, `${FIELD_LABELS[field]}: must be an integer ≥ ${min}, got "${text}"`);
  return v;
}

function pick<T extends string>(value: string, allowed: readonly T[], field: keyof TrainFields): T {
  if (!(allowed as readonly string[]).includes(value)) throw new FieldError(field, `${FIELD_LABELS[field]}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** The training form; layer sizes must fit the data (`features` pixels in, `classes` out). */
export function readTrainConfig(fields: TrainFields, data: { features: number; classes: number }): TrainConfig {
  const layers = parseLayers(fields.layers, 'layers');
  if (layers[0] !== data.features || layers[layers.length - 1] !== data.classes) {
    throw new FieldError('layers', `layer sizes: must start with ${data.features} (pixels) and end with ${data.classes} (classes), got ${layers.join(',')}`);
  }
  const lr = Number(fields.lr);
  if (fields.lr.trim() === '' || !(lr > 0) || !Number.isFinite(lr)) throw new FieldError('lr', `learning rate: must be a positive number, got "${fields.lr}"`);
  return {
    layers,
    seed: intField(fields.seed, 'seed', 0),
    grad: pick<GradMode>(fields.grad, GRAD_MODES, 'grad'),
    optimizer: { kind: pick<OptimizerKind>(fields.optimizer, OPTIMIZERS, 'optimizer'), lr, momentum: TRAIN_DEFAULTS.momentum, ...ADAM_DEFAULTS },
    batchSize: intField(fields.batch, 'batch', 0),
    epochs: intField(fields.epochs, 'epochs', 1),
  };
}

/** The checker's options (the rest as `npm run compare`'s defaults); any size works, the data is random. */
export function readCheckOptions(fields: CheckFields, defaults: CheckOptions): CheckOptions {
  const layers = parseLayers(fields['compare-layers'], 'compare-layers');
  if (layers[layers.length - 1] < 2) throw new FieldError('compare-layers', `check layers: softmax needs at least 2 output classes, got ${layers.join(',')}`);
  const options: CheckOptions = { ...defaults, layers, batch: intField(fields['compare-batch'], 'compare-batch', 1), seed: intField(fields['compare-seed'], 'compare-seed', 0) };
  // The checker's own validation, with its option names mapped to the page's fields.
  const fieldOf: Record<string, keyof CheckFields> = { layers: 'compare-layers', batch: 'compare-batch', seed: 'compare-seed' };
  try {
    validateCheckOptions(options);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const name = /^(\w+):/.exec(text)?.[1] ?? '';
    const field = fieldOf[name] ?? 'compare-layers';
    throw new FieldError(field, text.replace(/^\w+:/, `${FIELD_LABELS[field]}:`));
  }
  return options;
}

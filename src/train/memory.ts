/**
 * Size checks before allocation: what a training run (or a gradient check) will hold at its peak,
 * estimated from the layer sizes, the batch and the evaluation chunk, against the memory this
 * machine has free and the length a typed array can have. A run that cannot fit is refused with one
 * line naming the flag that makes it too big, before a tensor is made.
 */
import { freemem, totalmem } from 'node:os';
import { DataError } from '../data/errors.js';
import { parameterCount } from '../model/mlp.js';
import { EVAL_CHUNK, type TrainConfig } from './config.js';
import { slotNames } from './optimizers.js';

export type MemoryLimits = {
  /** Bytes this process can still take: free memory, capped by a cgroup limit when there is one. */
  availableBytes: number;
  /** The most elements one Float32Array may have (V8 on a 64-bit host: 2^32). */
  maxArrayElements: number;
};

export const MAX_TYPED_ARRAY_ELEMENTS = 2 ** 32;

export function systemMemoryLimits(): MemoryLimits {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const cap = constrained !== undefined && constrained > 0 ? Math.min(totalmem(), constrained) : totalmem();
  return { availableBytes: Math.min(freemem(), cap), maxArrayElements: MAX_TYPED_ARRAY_ELEMENTS };
}

const F32 = 4;
const F64 = 8;

/** Peak bytes of a training run, by what holds them. */
export type TrainingFootprint = {
  /** Parameters and optimizer slots, as live tensors, the step's gradients and new values, and the checkpoint's host copy and encoding. */
  parameters: number;
  /** One mini-batch's forward and backward activations (the whole training set with --batch-size 0). */
  batch: number;
  /** One evaluation chunk's forward pass. */
  evaluation: number;
  /** The data as tensors (the splits and evaluation's blocks). */
  data: number;
  total: number;
  /** The largest single array: a weight matrix, a batch's widest activation or the data. */
  largestArray: { elements: number; what: string };
};

export function trainingFootprint(config: TrainConfig, rows: { train: number; heldOut: number }): TrainingFootprint {
  const { layers } = config;
  const P = parameterCount(layers);
  const slots = slotNames(config.optimizer.kind).length;
  // live params + slots, their replacements made by a step, the gradients, the snapshot and its encoding.
  const parameters = F32 * P * ((1 + slots) * 4 + 1);
  const batchRows = config.batchSize === 0 ? rows.train : Math.min(config.batchSize, rows.train);
  const features = layers[0];
  const outputs = layers.slice(1);
  const widths = outputs.reduce((a, b) => a + b, 0);
  const widest = Math.max(...outputs);
  // gathered x and one-hot y, then per layer R, H, G and the relu mask; the logits' softmax and P − Y.
  const batch = F32 * batchRows * (features + 4 * widths + 2 * layers[layers.length - 1]);
  const chunk = Math.min(EVAL_CHUNK, Math.max(rows.train, rows.heldOut));
  const evaluation = F32 * chunk * 3 * widest;
  // The splits, plus evaluation's resident blocks: a second copy of the held-out rows, and of the training rows when they span more than one block.
  const heldRows = (rows.train > EVAL_CHUNK ? 2 : 1) * rows.train + 2 * rows.heldOut;
  const data = F32 * heldRows * (features + 1);
  const candidates = [
    ...layers.slice(1).map((out, l) => ({ elements: layers[l] * out, what: `its ${layers[l]}×${out} weight matrix` })),
    { elements: batchRows * widest, what: `a ${batchRows}×${widest} activation of one batch` },
    { elements: rows.train * features, what: `the ${rows.train}×${features} training images` },
  ];
  const largestArray = candidates.reduce((a, b) => (b.elements > a.elements ? b : a));
  return { parameters, batch, evaluation, data, total: parameters + batch + evaluation + data, largestArray };
}

export const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/** What names each part of the footprint in an error: the flags that set it. */
export type SizeFlags = { layers: string; batch: string; data: string };

/** Throws DataError (one line naming the flag) when the run cannot fit in memory or in a typed array. */
export function checkTrainingFits(config: TrainConfig, rows: { train: number; heldOut: number }, flags: SizeFlags, limits: MemoryLimits = systemMemoryLimits()): TrainingFootprint {
  const f = trainingFootprint(config, rows);
  const net = `${config.layers.join('-')}`;
  if (f.largestArray.elements > limits.maxArrayElements) {
    const flag = f.largestArray.what.includes('weight') ? flags.layers : f.largestArray.what.includes('batch') ? flags.batch : flags.data;
    throw new DataError(
      `${flag}: ${f.largestArray.what} has ${f.largestArray.elements} values, more than one array can hold (${limits.maxArrayElements}); ${net} has ${parameterCount(config.layers)} parameters`,
    );
  }
  if (f.total > limits.availableBytes) {
    const parts = [
      { bytes: f.parameters, flag: flags.layers, what: `parameters and ${config.optimizer.kind} state ${gib(f.parameters)}` },
      { bytes: f.batch, flag: flags.batch, what: `one batch ${gib(f.batch)}` },
      { bytes: f.evaluation, flag: flags.layers, what: `evaluation ${gib(f.evaluation)}` },
      { bytes: f.data, flag: flags.data, what: `data ${gib(f.data)}` },
    ];
    const main = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    throw new DataError(
      `${main.flag}: training ${net} needs about ${gib(f.total)} (${parts.map((p) => p.what).join(', ')}), more than the ${gib(limits.availableBytes)} of memory available`,
    );
  }
  return f;
}

/**
 * Peak bytes of `compare`'s checks on an MLP: fp32 tensors for autodiff and the hand-written
 * gradients (params, two sets of gradients, activations) and the float64 reference's copies of them.
 */
export function compareFootprint(layers: readonly number[], batch: number): { total: number; largestArray: { elements: number; what: string } } {
  const P = parameterCount(layers);
  const widths = layers.slice(1).reduce((a, b) => a + b, 0);
  const activations = batch * (layers[0] + 4 * widths);
  const total = P * (4 * F32 + 3 * F64) + activations * (3 * F32 + 2 * F64);
  const largestArray = layers.slice(1).reduce((a, out, l) => (layers[l] * out > a.elements ? { elements: layers[l] * out, what: `the ${layers[l]}×${out} weight matrix` } : a), {
    elements: batch * Math.max(...layers),
    what: `a ${batch}×${Math.max(...layers)} activation`,
  });
  return { total, largestArray };
}

export function checkCompareFits(layers: readonly number[], batch: number, flags: { layers: string; batch: string }, limits: MemoryLimits = systemMemoryLimits()): void {
  const f = compareFootprint(layers, batch);
  if (f.largestArray.elements > limits.maxArrayElements) {
    const flag = f.largestArray.what.includes('weight') ? flags.layers : flags.batch;
    throw new DataError(`${flag}: ${f.largestArray.what} has ${f.largestArray.elements} values, more than one array can hold (${limits.maxArrayElements})`);
  }
  if (f.total > limits.availableBytes) {
    throw new DataError(`${flags.layers}: checking ${layers.join('-')} with batch ${batch} needs about ${gib(f.total)}, more than the ${gib(limits.availableBytes)} of memory available`);
  }
}

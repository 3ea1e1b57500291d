/**
 * Seeded inputs for opcheck of every handgrad kernel (custom-ops): shapes that cover a batch of
 * rows, relu inputs away from the kink so that differences are meaningful with few re-checks
 * (kinks are handled anyway), Adam's second moment positive. The optimizer updates have no
 * gradient (they are training-loop steps, never inside tf.grad).
 */
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import {
  ManualAdamUpdate,
  ManualDenseParamGrads,
  ManualHiddenDelta,
  ManualMomentumUpdate,
  ManualRelu,
  ManualReluGrad,
  ManualSgdUpdate,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
} from '../custom-ops/kernel_names.js';
import type { KernelInput } from './opcheck.js';
import { makeRng, normals } from './random.js';

export interface KernelCase {
  kernel: string;
  inputs: Record<string, KernelInput>;
  attrs?: NamedAttrMap;
  /** false: the kernel has no gradient to check. */
  gradient?: boolean;
}

export function customKernelCases(seed = 0, rows = 6, cols = 5): KernelCase[] {
  const rng = makeRng(seed, 'opcheck-inputs');
  const outs = 4;
  const normal = (shape: number[], scale = 1): KernelInput => ({ values: Array.from(normals(shape.reduce((a, b) => a * b, 1), rng), (v) => scale * v), shape, dtype: 'float32' });
  const awayFromZero = (shape: number[]): KernelInput => {
    const input = normal(shape);
    return { ...input, values: (input.values as number[]).map((v) => v + Math.sign(v) * 0.1) };
  };
  const positive = (shape: number[]): KernelInput => ({ values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.01 + rng()), shape, dtype: 'float32' });
  const oneHot = (): KernelInput => {
    const values = new Array<number>(rows * cols).fill(0);
    for (let r = 0; r < rows; r++) values[r * cols + Math.floor(rng() * cols)] = 1;
    return { values, shape: [rows, cols], dtype: 'float32' };
  };
  const shape = [rows, cols];
  return [
    { kernel: ManualRelu, inputs: { x: awayFromZero(shape) } },
    { kernel: ManualReluGrad, inputs: { dy: normal(shape), x: awayFromZero(shape) } },
    { kernel: ManualSoftmax, inputs: { logits: normal(shape, 2) } },
    { kernel: ManualSoftmaxCrossEntropy, inputs: { labels: oneHot(), logits: normal(shape, 2) } },
    { kernel: ManualSoftmaxCrossEntropyGrad, inputs: { dy: { values: [0.75], shape: [], dtype: 'float32' }, labels: oneHot(), logits: normal(shape, 2) } },
    { kernel: ManualDenseParamGrads, inputs: { x: normal([rows, cols]), dy: normal([rows, outs]) } },
    { kernel: ManualHiddenDelta, inputs: { dy: normal([rows, outs]), w: normal([cols, outs], 0.5), preActivation: awayFromZero([rows, cols]) } },
    { kernel: ManualSgdUpdate, inputs: { param: normal(shape), grad: normal(shape) }, attrs: { lr: 0.1 }, gradient: false },
    { kernel: ManualMomentumUpdate, inputs: { param: normal(shape), grad: normal(shape), velocity: normal(shape, 0.1) }, attrs: { lr: 0.1, momentum: 0.9 }, gradient: false },
    {
      kernel: ManualAdamUpdate,
      inputs: { param: normal(shape), grad: normal(shape), m: normal(shape, 0.1), v: positive(shape) },
      attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 3 },
      gradient: false,
    },
  ];
}

/**
 * Seeded inputs for the per-kernel checks of every handgrad kernel (custom-ops). customKernelCases:
 * opcheck's, shapes that cover a batch of rows, relu inputs away from the kink so that differences
 * are meaningful with few re-checks (kinks are handled anyway), Adam's second moment positive. The
 * optimizer updates have no gradient (they are training-loop steps, never inside tf.grad).
 * kernelShapeCases: the forward pass on the shapes where a backend's layout can go wrong.
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
import { opcheck, type KernelInput, type OpcheckOptions, type OpcheckResult } from './opcheck.js';
import { makeRng, normals } from './random.js';

export interface KernelCase {
  kernel: string;
  /** What the case's shape is called in a table row (default: the first input's shape). */
  shape?: number[];
  inputs: Record<string, KernelInput>;
  attrs?: NamedAttrMap;
  /** false: the kernel has no gradient to check. */
  gradient?: boolean;
}

/** opcheck of each case, in order, on options.backends. */
export async function opcheckCases(cases: KernelCase[], options: Pick<OpcheckOptions, 'backends' | 'seed'>): Promise<OpcheckResult[]> {
  const results: OpcheckResult[] = [];
  for (const c of cases) results.push(await opcheck(c.kernel, c.inputs, { ...options, attrs: c.attrs, gradient: c.gradient }));
  return results;
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

/**
 * Shapes cover rank 1, 2 and 3 (the reshape path), a 784-wide row, > 32·32 rows (three partial-sum
 * passes on webgl), > 65535 rows (more workgroups than WebGPU dispatches along one axis), and rows
 * of ≤ 64 and > 64 columns (one invocation per row, or a workgroup per row, on webgpu). The [65, 10]
 * labels are an int32 one-hot cast to float32, as the trainer makes them: webgl and webgpu keep the
 * int32 storage under the float32 tensor. The fused kernels' shape is [N, in, out].
 */
export function kernelShapeCases(seed = 0): KernelCase[] {
  const rng = makeRng(seed, 'kernel-shapes');
  const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
  const uniform = (shape: number[], lo: number, hi: number): KernelInput => ({ values: Float32Array.from({ length: size(shape) }, () => lo + (hi - lo) * rng()), shape });
  const oneHot = (shape: number[], fromInt32 = false): KernelInput => {
    const cols = shape[shape.length - 1];
    const values = new Float32Array(size(shape));
    for (let start = 0; start < values.length; start += cols) values[start + Math.floor(rng() * cols)] = 1;
    return { values, shape, ...(fromInt32 ? { fromInt32 } : {}) };
  };
  const list: KernelCase[] = [];
  for (const shape of [[7], [33, 17], [2, 3, 5]]) {
    list.push({ kernel: ManualRelu, inputs: { x: uniform(shape, -2, 2) } });
    list.push({ kernel: ManualReluGrad, inputs: { dy: uniform(shape, -2, 2), x: uniform(shape, -2, 2) } });
  }
  for (const shape of [[10], [64, 10], [8, 784], [2, 3, 5], [66000, 2]]) list.push({ kernel: ManualSoftmax, inputs: { logits: uniform(shape, -8, 8) } });
  for (const shape of [[1, 10], [64, 10], [65, 10], [1100, 10], [66000, 2], [5, 300], [2, 3, 5]]) {
    const labels = (): KernelInput => oneHot(shape, shape[0] === 65);
    list.push({ kernel: ManualSoftmaxCrossEntropy, inputs: { labels: labels(), logits: uniform(shape, -8, 8) } });
    list.push({ kernel: ManualSoftmaxCrossEntropyGrad, shape, inputs: { dy: { values: [0.75], shape: [] }, labels: labels(), logits: uniform(shape, -8, 8) } });
  }
  for (const [n, inputs, outputs] of [[5, 7, 3], [128, 256, 10]]) {
    const shape = [n, inputs, outputs];
    list.push({ kernel: ManualDenseParamGrads, shape, inputs: { x: uniform([n, inputs], 0, 1), dy: uniform([n, outputs], -0.1, 0.1) } });
    list.push({
      kernel: ManualHiddenDelta,
      shape,
      inputs: { dy: uniform([n, outputs], -0.1, 0.1), w: uniform([inputs, outputs], -0.2, 0.2), preActivation: uniform([n, inputs], -1, 1) },
    });
  }
  for (const shape of [[7], [33, 17], [2, 3, 5]]) {
    const param = (): KernelInput => uniform(shape, -1, 1);
    const grad = (): KernelInput => uniform(shape, -1e-2, 1e-2);
    list.push({ kernel: ManualSgdUpdate, inputs: { param: param(), grad: grad() }, attrs: { lr: 0.1 }, gradient: false });
    list.push({ kernel: ManualMomentumUpdate, inputs: { param: param(), grad: grad(), velocity: uniform(shape, -1e-2, 1e-2) }, attrs: { lr: 0.1, momentum: 0.9 }, gradient: false });
    list.push({
      kernel: ManualAdamUpdate,
      inputs: { param: param(), grad: grad(), m: uniform(shape, -1e-3, 1e-3), v: uniform(shape, 1e-6, 1e-4) },
      attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 3 },
      gradient: false,
    });
  }
  return list;
}

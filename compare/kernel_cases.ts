/**
 * Seeded inputs for opcheck of handgrad's own kernels (custom-ops): one case per kernel, shapes
 * that cover a batch of rows, values away from relu's kink so that differences are meaningful
 * with few re-checks (kinks are handled anyway).
 */
import {
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
} from '../custom-ops/kernel_names.js';
import type { KernelInput } from './opcheck.js';
import { makeRng, normals } from './random.js';

export interface KernelCase {
  kernel: string;
  inputs: Record<string, KernelInput>;
}

export function customKernelCases(seed = 0, rows = 6, cols = 5): KernelCase[] {
  const rng = makeRng(seed, 'opcheck-inputs');
  const shape = [rows, cols];
  const size = rows * cols;
  const normal = (scale = 1): number[] => Array.from(normals(size, rng), (v) => scale * v);
  const awayFromZero = (): number[] => normal().map((v) => v + Math.sign(v) * 0.1);
  const oneHot = (): number[] => {
    const out = new Array<number>(size).fill(0);
    for (let r = 0; r < rows; r++) out[r * cols + Math.floor(rng() * cols)] = 1;
    return out;
  };
  const f = (values: number[], s = shape): KernelInput => ({ values, shape: s, dtype: 'float32' });
  return [
    { kernel: ManualRelu, inputs: { x: f(awayFromZero()) } },
    { kernel: ManualReluGrad, inputs: { dy: f(normal()), x: f(awayFromZero()) } },
    { kernel: ManualSoftmax, inputs: { logits: f(normal(2)) } },
    { kernel: ManualSoftmaxCrossEntropy, inputs: { labels: f(oneHot()), logits: f(normal(2)) } },
    { kernel: ManualSoftmaxCrossEntropyGrad, inputs: { dy: f([0.75], []), labels: f(oneHot()), logits: f(normal(2)) } },
  ];
}

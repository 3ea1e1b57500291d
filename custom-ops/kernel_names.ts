/**
 * Names of handgrad's hand-written kernels and the shapes of their inputs and attrs,
 * in the style of tfjs-core/src/kernel_names.ts. Every backend registers these names.
 */
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** y = max(0, x), elementwise. */
export const ManualRelu = 'ManualRelu';
export type ManualReluInputs = { x: TensorInfo };

/** dx = dy ⊙ 1(x > 0); relu'(0) is taken as 0, as tfjs does. */
export const ManualReluGrad = 'ManualReluGrad';
export type ManualReluGradInputs = { dy: TensorInfo; x: TensorInfo };

/** p = softmax(x) over the last axis, each row shifted by its own max. */
export const ManualSoftmax = 'ManualSoftmax';
export type ManualSoftmaxInputs = { logits: TensorInfo };

/** L = (1/N) Σ_n (logsumexp(z_n) − Σ_k y_nk z_nk): scalar mean over the N rows. */
export const ManualSoftmaxCrossEntropy = 'ManualSoftmaxCrossEntropy';
export type ManualSoftmaxCrossEntropyInputs = { labels: TensorInfo; logits: TensorInfo };

/** dz = dy · (softmax(z) − y) / N, the homework's gradCE scaled by the upstream scalar dy. */
export const ManualSoftmaxCrossEntropyGrad = 'ManualSoftmaxCrossEntropyGrad';
export type ManualSoftmaxCrossEntropyGradInputs = { dy: TensorInfo; labels: TensorInfo; logits: TensorInfo };

export const CUSTOM_KERNEL_NAMES = [
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
] as const;
export type CustomKernelName = (typeof CUSTOM_KERNEL_NAMES)[number];

/** Narrows tfjs's untyped input map to one kernel's inputs (names were checked by the op). */
export function kernelInputs<T extends Record<string, TensorInfo>>(inputs: NamedTensorInfoMap): T {
  return inputs as unknown as T;
}

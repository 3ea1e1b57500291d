/**
 * Names of handgrad's hand-written kernels and the shapes of their inputs and attrs,
 * in the style of tfjs-core/src/kernel_names.ts. Every backend registers these names.
 */
import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

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

/**
 * The fused kernels: each does in one kernel call what tfjs would do in several (they are what a
 * training step spends its calls on).
 */

/**
 * The gradients of a dense layer R = X·W + b with respect to its parameters, for an upstream
 * dy = ∂L/∂R: dW = Xᵀ·dy, db = 1ᵀ·dy (the homework's gradLossW and gradLossb). x: N×in, dy: N×out.
 * Outputs: [dW (in×out), db (out)].
 */
export const ManualDenseParamGrads = 'ManualDenseParamGrads';
export type ManualDenseParamGradsInputs = { x: TensorInfo; dy: TensorInfo };

/**
 * The delta of the hidden layer below a dense layer: (dy·Wᵀ) ⊙ 1(preActivation > 0), i.e.
 * G_{l−1} = (G_l·W_lᵀ) ⊙ 1(R_{l−1} > 0) (the homework's hiddenDelta; relu'(0) = 0, NaN in R gives NaN).
 * dy: N×out, w: in×out, preActivation: N×in, R_{l−1} or H_{l−1} = relu(R_{l−1}) (the same mask, NaN kept).
 * Output: N×in.
 */
export const ManualHiddenDelta = 'ManualHiddenDelta';
export type ManualHiddenDeltaInputs = { dy: TensorInfo; w: TensorInfo; preActivation: TensorInfo };

/**
 * The optimizer updates: each reads a parameter, its gradient and its slots once and writes the new
 * ones in the same pass (what tfjs would do in a dozen elementwise kernels). They are steps of a
 * training loop, never inside tf.grad, so they have no gradient. Attrs are plain numbers.
 */

/** W' = W − α·∇ (plain gradient descent). Output: W'. */
export const ManualSgdUpdate = 'ManualSgdUpdate';
export type ManualSgdUpdateInputs = { param: TensorInfo; grad: TensorInfo };
export type ManualSgdUpdateAttrs = { lr: number };

/** The homework's momentum: v' = γ·v + α·∇, W' = W − v'. Outputs: [W', v']. */
export const ManualMomentumUpdate = 'ManualMomentumUpdate';
export type ManualMomentumUpdateInputs = { param: TensorInfo; grad: TensorInfo; velocity: TensorInfo };
export type ManualMomentumUpdateAttrs = { lr: number; momentum: number };

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) at step t ≥ 1: m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇²,
 * W' = W − α·m̂/(√v̂ + ε) with m̂ = m'/(1−β1^t), v̂ = v'/(1−β2^t). Outputs: [W', m', v'].
 */
export const ManualAdamUpdate = 'ManualAdamUpdate';
export type ManualAdamUpdateInputs = { param: TensorInfo; grad: TensorInfo; m: TensorInfo; v: TensorInfo };
export type ManualAdamUpdateAttrs = { lr: number; beta1: number; beta2: number; epsilon: number; step: number };

/** The optimizer updates (no gradients). */
export const UPDATE_KERNEL_NAMES = [ManualSgdUpdate, ManualMomentumUpdate, ManualAdamUpdate] as const;

/** The kernels with a gradient (tf.grad flows through them). */
export const DIFFERENTIABLE_KERNEL_NAMES = [
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  ManualDenseParamGrads,
  ManualHiddenDelta,
] as const;

/** Every handgrad kernel. */
export const CUSTOM_KERNEL_NAMES = [...DIFFERENTIABLE_KERNEL_NAMES, ...UPDATE_KERNEL_NAMES] as const;
export type CustomKernelName = (typeof CUSTOM_KERNEL_NAMES)[number];

/**
 * One backend's handgrad kernels: a kernelFunc for every name above (a backend that lacks one is a
 * type error). Each backend's index module is such a map; its KernelConfigs are derived from it.
 */
export type CustomKernelFuncs = Readonly<Record<CustomKernelName, KernelFunc>>;

/** Narrows tfjs's untyped input map to one kernel's inputs (names were checked by the op). */
export function kernelInputs<T extends Record<string, TensorInfo>>(inputs: NamedTensorInfoMap): T {
  return inputs as unknown as T;
}

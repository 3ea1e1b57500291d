/**
 * What a backend's fused MLP trainer is given: the protocol between the trainer (src/train/fused.ts)
 * and a backend that offers `fusedMlpTrainer(spec)` (native, tensorflow).
 */
export type FusedMlpSpec = {
  /** [F, hidden…, K]. */
  sizes: readonly number[];
  /** W_1, b_1, W_2, b_2, …, each sizes[l]×sizes[l+1] or sizes[l+1] values. */
  params: Float32Array[];
  /** The optimizer's slots, one list like `params` per slot: none (SGD), velocity (momentum), m and v (Adam). */
  slots: Float32Array[][];
  trainX: Float32Array;
  trainLabels: Int32Array;
};

export type FusedOptimizerKind = 'sgd' | 'momentum' | 'adam';

export type FusedOptimizer = { kind: FusedOptimizerKind; lr: number; momentum: number; beta1: number; beta2: number; epsilon: number };

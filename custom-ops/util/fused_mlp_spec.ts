/**
 * The protocol between the trainer (src/train/fused.ts) and a backend that offers a fused MLP
 * trainer as `fusedMlpTrainer(spec)` (native, tensorflow): what the trainer is given and what it does.
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

export interface FusedMlpTrainer {
  /** Step t of `optimizer` on training rows indices[begin..end) (null: rows begin..end); the batch's mean loss and hits before the update. */
  step(indices: Int32Array | null, begin: number, end: number, optimizer: FusedOptimizer, t: number): { loss: number; hits: number };
  /** Σ of the per-row cross-entropy and the hit count over every row of x, forward passes of at most `chunk` rows. */
  evaluate(x: Float32Array, labels: Int32Array, chunk: number): { lossSum: number; hits: number };
  /** For a trainer that keeps its own copy of the parameters and slots (tensorflow): take the arrays' values. */
  takeArrays?(): void;
  /** …and write its values into the arrays. */
  writeArrays?(): void;
}

export interface FusedMlpBackend {
  fusedMlpTrainer(spec: FusedMlpSpec): FusedMlpTrainer;
}

export function offersFusedTrainer(backend: unknown): backend is FusedMlpBackend {
  return typeof backend === 'object' && backend !== null && typeof (backend as Partial<FusedMlpBackend>).fusedMlpTrainer === 'function';
}

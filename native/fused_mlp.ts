/**
 * The native backend's fused MLP trainer: a whole training step (gather the batch's rows, forward,
 * loss, backward, the optimizer's update of every parameter and slot in place) or an evaluation of
 * many rows is one addon call (native/src/mlp.cc), with the numbers of the per-kernel native path:
 *   H_l = relu(H_{l−1}·W_l + b_l), Z = H_{L−1}·W_L + b_L, L = mean_n (logsumexp(Z_n) − Z_{n,y_n}),
 *   G_L = (softmax(Z) − Y)/N, dW_l = H_{l−1}ᵀ·G_l, db_l = 1ᵀ·G_l, G_{l−1} = (G_l·W_lᵀ) ⊙ 1(H_{l−1} > 0).
 * The trainer (src/train) finds it on the backend as `fusedMlpTrainer`.
 */
import type { FusedMlpSpec, FusedOptimizer } from '../custom-ops/util/fused_mlp_spec.js';
import { adamBiasCorrections } from '../custom-ops/util/update_loops.js';
import { loadNativeAddon, type NativeMlpSession } from './addon.js';

const OPTIMIZER_CODES = { sgd: 0, momentum: 1, adam: 2 } as const;

export class NativeMlpTrainer {
  private readonly session: NativeMlpSession;
  private readonly out = new Float64Array(2);

  constructor(spec: FusedMlpSpec) {
    const { MlpSession } = loadNativeAddon();
    this.session = new MlpSession(spec.sizes, spec.params, spec.slots, spec.trainX, spec.trainLabels);
  }

  /**
   * Step t (≥ 1) of `optimizer` on training rows indices[begin..end) (null: rows begin..end): the
   * batch's mean loss and hit count at the parameters it started from.
   */
  step(indices: Int32Array | null, begin: number, end: number, optimizer: FusedOptimizer, t: number): { loss: number; hits: number } {
    const { kind, lr, momentum, beta1, beta2, epsilon } = optimizer;
    const { c1, c2 } = kind === 'adam' ? adamBiasCorrections(beta1, beta2, t) : { c1: 1, c2: 1 };
    this.session.step(indices, begin, end, OPTIMIZER_CODES[kind], lr, momentum, beta1, beta2, epsilon, c1, c2, this.out);
    return { loss: this.out[0], hits: this.out[1] };
  }

  /** Σ_n (logsumexp(Z_n) − Z_{n,y_n}) and the hit count over every row of x, in forward passes of at most `chunk` rows. */
  evaluate(x: Float32Array, labels: Int32Array, chunk: number): { lossSum: number; hits: number } {
    this.session.evaluate(x, labels, chunk, this.out);
    return { lossSum: this.out[0], hits: this.out[1] };
  }
}

/**
 * Adam at step t: m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε),
 * c1 = 1/(1−β1^t), c2 = 1/(1−β2^t), computed as W − (α·c1/√c2)·m'/(√v' + ε/√c2): the same ε, inside
 * the bias-corrected root (TF's ApplyAdam puts ε outside it, and updates a ref variable in place).
 * 12 ops: 3 for m', 4 for v', 5 for W'.
 */
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamBiasCorrections } from '../../util/update_loops.js';
import { eagerKernelFunc, type Handle, type TfOps } from './node_backend.js';

/** The scalars of Adam's step t, in the order adamOps takes them. */
export type AdamScalars<S> = { beta1: S; oneMinusBeta1: S; beta2: S; oneMinusBeta2: S; epsilonOverRootC2: S; stepSize: S };

export function adamScalars(lr: number, beta1: number, beta2: number, epsilon: number, step: number): AdamScalars<number> {
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  const rootC2 = Math.sqrt(c2);
  return { beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, epsilonOverRootC2: epsilon / rootC2, stepSize: (lr * c1) / rootC2 };
}

/** [W', m', v'] of W, ∇, m, v. */
export function adamOps<H>(ops: TfOps<H>, param: H, grad: H, m: H, v: H, s: AdamScalars<H>): [H, H, H] {
  const mNew = ops.float('AddV2', ops.float('Mul', m, s.beta1), ops.float('Mul', grad, s.oneMinusBeta1));
  const vNew = ops.float('AddV2', ops.float('Mul', v, s.beta2), ops.float('Mul', ops.float('Square', grad), s.oneMinusBeta2));
  const denominator = ops.float('AddV2', ops.float('Sqrt', vNew), s.epsilonOverRootC2);
  const stepSize = ops.float('Mul', ops.float('RealDiv', mNew, denominator), s.stepSize);
  return [ops.float('Sub', param, stepSize), mNew, vNew];
}

export const manualAdamUpdate = eagerKernelFunc(checkedAdamUpdateArgs, (ops, { param, grad, m, v, lr, beta1, beta2, epsilon, step }) => {
  const values = adamScalars(lr, beta1, beta2, epsilon, step);
  const scalars = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, ops.scalar(value)])) as AdamScalars<Handle>;
  return adamOps(ops, ops.input(param), ops.input(grad), ops.input(m), ops.input(v), scalars);
});

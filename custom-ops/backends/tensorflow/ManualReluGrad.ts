/**
 * dx = dy ⊙ 1(x > 0) with relu'(0) = 0, +0 wherever x ≤ 0 (whatever dy holds) and NaN where x is NaN:
 * MulNoNan(dy, Relu(Sign(x))). Relu(Sign(x)) is tfjs's step(x) (1, 0 or NaN); MulNoNan gives +0
 * where it is 0 even for an infinite or NaN dy, and dy·1 = dy bit for bit. TF's ReluGrad would give
 * dy·0 (−0 for a negative dy, NaN for an infinite one) and 0 where x is NaN. 3 ops.
 */
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

export function maskedByStep<H>(ops: TfOps<H>, dy: H, x: H): H {
  return ops.float('MulNoNan', dy, ops.float('Relu', ops.float('Sign', x)));
}

export const manualReluGrad = eagerKernelFunc(checkedReluGradInputs, (ops, { dy, x }) => maskedByStep(ops, ops.input(dy), ops.input(x)));

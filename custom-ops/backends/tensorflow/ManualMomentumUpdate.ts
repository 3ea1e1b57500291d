/**
 * The homework's momentum, v' = γ·v + α·∇, W' = W − v': Mul, Mul, AddV2, Sub. TF's ApplyMomentum is
 * another update (v' = γ·v + ∇, W' = W − α·v') on a ref variable. 4 ops.
 */
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

/** [W', v'] of W, ∇, v with the scalars lr and γ. */
export function momentumOps<H>(ops: TfOps<H>, param: H, grad: H, velocity: H, lr: H, momentum: H): [H, H] {
  const v = ops.float('AddV2', ops.float('Mul', velocity, momentum), ops.float('Mul', grad, lr));
  return [ops.float('Sub', param, v), v];
}

export const manualMomentumUpdate = eagerKernelFunc(checkedMomentumUpdateArgs, (ops, { param, grad, velocity, lr, momentum }) =>
  momentumOps(ops, ops.input(param), ops.input(grad), ops.input(velocity), ops.scalar(lr), ops.scalar(momentum)),
);

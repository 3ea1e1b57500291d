/**
 * The homework's momentum, v' = γ·v + α·∇, W' = W − v': Mul, Mul, AddV2, Sub. TF's ApplyMomentum is
 * another update (v' = γ·v + ∇, W' = W − α·v') on a ref variable. 4 ops.
 */
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualMomentumUpdate = eagerKernelFunc(checkedMomentumUpdateArgs, (ops, { param, grad, velocity, lr, momentum }) => {
  const v = ops.float('AddV2', ops.float('Mul', ops.input(velocity), ops.scalar(momentum)), ops.float('Mul', ops.input(grad), ops.scalar(lr)));
  return [ops.float('Sub', ops.input(param), v), v];
});

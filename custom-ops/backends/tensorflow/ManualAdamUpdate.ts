/**
 * Adam at step t: m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε),
 * c1 = 1/(1−β1^t), c2 = 1/(1−β2^t), computed as W − (α·c1/√c2)·m'/(√v' + ε/√c2): the same ε, inside
 * the bias-corrected root (TF's ApplyAdam puts ε outside it, and updates a ref variable in place).
 * 12 ops: 3 for m', 4 for v', 5 for W'.
 */
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamBiasCorrections } from '../../util/update_loops.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualAdamUpdate = eagerKernelFunc(checkedAdamUpdateArgs, (ops, { param, grad, m, v, lr, beta1, beta2, epsilon, step }) => {
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  const rootC2 = Math.sqrt(c2);
  const g = ops.input(grad);
  const mNew = ops.float('AddV2', ops.float('Mul', ops.input(m), ops.scalar(beta1)), ops.float('Mul', g, ops.scalar(1 - beta1)));
  const vNew = ops.float('AddV2', ops.float('Mul', ops.input(v), ops.scalar(beta2)), ops.float('Mul', ops.float('Square', g), ops.scalar(1 - beta2)));
  const denominator = ops.float('AddV2', ops.float('Sqrt', vNew), ops.scalar(epsilon / rootC2));
  const stepSize = ops.float('Mul', ops.float('RealDiv', mNew, denominator), ops.scalar((lr * c1) / rootC2));
  return [ops.float('Sub', ops.input(param), stepSize), mNew, vNew];
});

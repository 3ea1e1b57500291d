import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { runEager } from './node_backend.js';

/**
 * The homework's momentum, v' = γ·v + α·∇, W' = W − v': Mul, Mul, AddV2, Sub. TF's ApplyMomentum is
 * another update (v' = γ·v + ∇, W' = W − α·v') on a ref variable. 4 ops.
 */
export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): Tensor[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  return runEager(backend, (ops) => {
    const v = ops.float('AddV2', ops.float('Mul', ops.input(velocity), ops.scalar(momentum)), ops.float('Mul', ops.input(grad), ops.scalar(lr)));
    const w = ops.float('Sub', ops.input(param), v);
    return [ops.output(w), ops.output(v)];
  });
};

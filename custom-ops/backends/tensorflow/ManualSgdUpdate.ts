import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { runEager } from './node_backend.js';

/** W' = W − α·∇: Mul, Sub (TF's ApplyGradientDescent updates a ref variable in place; eager tensors have none). 2 ops. */
export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): Tensor => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  return runEager(backend, (ops) => ops.output(ops.float('Sub', ops.input(param), ops.float('Mul', ops.input(grad), ops.scalar(lr)))));
};

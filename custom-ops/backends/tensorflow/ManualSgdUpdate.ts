/** W' = W − α·∇: Mul, Sub (TF's ApplyGradientDescent updates a ref variable in place; eager tensors have none). 2 ops. */
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualSgdUpdate = eagerKernelFunc(checkedSgdUpdateArgs, (ops, { param, grad, lr }) => ops.float('Sub', ops.input(param), ops.float('Mul', ops.input(grad), ops.scalar(lr))));

/** W' = W − α·∇: Mul, Sub (TF's ApplyGradientDescent updates a ref variable in place; eager tensors have none). 2 ops. */
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

export function sgdOps<H>(ops: TfOps<H>, param: H, grad: H, lr: H): H {
  return ops.float('Sub', param, ops.float('Mul', grad, lr));
}

export const manualSgdUpdate = eagerKernelFunc(checkedSgdUpdateArgs, (ops, { param, grad, lr }) => sgdOps(ops, ops.input(param), ops.input(grad), ops.scalar(lr)));

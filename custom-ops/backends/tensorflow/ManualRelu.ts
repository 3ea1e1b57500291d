/**
 * y = max(0, x), NaN kept, relu(−0) = +0: TF Relu, then Abs, since TF's Relu returns −0 for −0
 * (and Abs leaves every other output of Relu, NaN included, as it is). 2 ops.
 */
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

export function reluOps<H>(ops: TfOps<H>, x: H): H {
  return ops.float('Abs', ops.float('Relu', x));
}

export const manualRelu = eagerKernelFunc(checkedReluInputs, (ops, { x }) => reluOps(ops, ops.input(x)));

/**
 * y = max(0, x), NaN kept, relu(−0) = +0: TF Relu, then Abs, since TF's Relu returns −0 for −0
 * (and Abs leaves every other output of Relu, NaN included, as it is). 2 ops.
 */
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualRelu = eagerKernelFunc(checkedReluInputs, (ops, { x }) => ops.float('Abs', ops.float('Relu', ops.input(x))));

import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { runEager } from './node_backend.js';

/**
 * y = max(0, x), NaN kept, relu(−0) = +0: TF Relu, then Abs, since TF's Relu returns −0 for −0
 * (and Abs leaves every other output of Relu, NaN included, as it is). 2 ops.
 */
export const manualRelu: KernelFunc = ({ inputs, backend }): Tensor => {
  const { x } = checkedReluInputs(inputs);
  return runEager(backend, (ops) => ops.output(ops.float('Abs', ops.float('Relu', ops.input(x)))));
};

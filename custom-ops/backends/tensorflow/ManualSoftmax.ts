import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { runEager } from './node_backend.js';

/** p = softmax(x) over the last axis: TF Softmax, which shifts each row by its own max. 1 op. */
export const manualSoftmax: KernelFunc = ({ inputs, backend }): Tensor => {
  const { logits } = checkedSoftmaxInputs(inputs);
  return runEager(backend, (ops) => ops.output(ops.float('Softmax', ops.input(logits))));
};

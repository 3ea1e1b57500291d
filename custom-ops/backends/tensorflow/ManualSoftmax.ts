/** p = softmax(x) over the last axis: TF Softmax, which shifts each row by its own max. 1 op. */
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualSoftmax = eagerKernelFunc(checkedSoftmaxInputs, (ops, { logits }) => ops.float('Softmax', ops.input(logits)));

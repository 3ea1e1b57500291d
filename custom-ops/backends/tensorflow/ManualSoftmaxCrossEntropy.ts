/**
 * L = (1/N) Σ_n Σ_k y_nk (logsumexp(z_n) − z_nk): TF SoftmaxCrossEntropyWithLogits gives each row's
 * Σ_k y_k (logsumexp(z) − z_k), the row max shifted out (logits of ±1e4 stay finite), then Mean over
 * the rows. 2 ops (4 when the logits are not a matrix: both inputs reshaped to N×K first).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

/** Each row's Σ_k y_k (logsumexp(z) − z_k), of N×K logits and labels. */
export function rowCrossEntropiesOps<H>(ops: TfOps<H>, labels: H, logits: H): H {
  return ops.run('SoftmaxCrossEntropyWithLogits', [ops.typeAttr('T', 'float32')], [logits, labels], 2)[0];
}

export const manualSoftmaxCrossEntropy = eagerKernelFunc(checkedSoftmaxCrossEntropyInputs, (ops, { labels, logits }) => {
  const { rows, cols } = rowLayout(logits.shape);
  const asRows = (info: TensorInfo) => (info.shape.length === 2 ? ops.input(info) : ops.reshape(ops.input(info), [rows, cols]));
  return ops.reduce('Mean', rowCrossEntropiesOps(ops, asRows(labels), asRows(logits)), [0], false);
});

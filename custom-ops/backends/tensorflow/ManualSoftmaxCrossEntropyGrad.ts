import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { runEager, type TensorflowBackend, type TfOps } from './node_backend.js';

/**
 * dz = c · ((Σ_k y_k) · softmax(z) − y) per row, c = dy / N (the homework's gradCE, dy · (p − y) / N,
 * for rows of labels that sum to 1), as (Σ_k c·y_k) · softmax(z) − c·y: Mul, Sum, Softmax, Mul, Sub.
 * The one value of dy is read into c in JavaScript (free for a dy made there, as tf.scalar(1)). 5 ops.
 */
export function crossEntropyGradOps<H>(ops: TfOps<H>, labels: H, logits: H, c: H, lastAxis: number): H {
  const scaledLabels = ops.float('Mul', labels, c);
  const scaledSums = ops.reduce('Sum', scaledLabels, [lastAxis], true);
  const probs = ops.float('Softmax', logits);
  return ops.float('Sub', ops.float('Mul', scaledSums, probs), scaledLabels);
}

export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): Tensor => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const tfBackend = backend as TensorflowBackend;
  const c = (tfBackend.readSync(dy.dataId) as Float32Array)[0] / rowLayout(logits.shape).rows;
  const lastAxis = logits.shape.length - 1;
  return runEager(backend, (ops) => ops.output(crossEntropyGradOps(ops, ops.input(labels), ops.input(logits), ops.scalar(c), lastAxis)));
};

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropy } from '../../kernel_names.js';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { floatOp, floatScalar, sumOver, withTemps, type TensorflowBackend } from './node_backend.js';

/**
 * L = −(1/N) Σ_{n,k} y_nk · log softmax(z_n)_k. TF's LogSoftmax computes z − logsumexp(z) with
 * the row max shifted out, so logits of ±1e4 stay finite.
 */
export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const tfBackend = backend as TensorflowBackend;
  const allAxes = logits.shape.map((_, axis) => axis);
  return withTemps((temp) => {
    const logProbs = temp(floatOp(tfBackend, 'LogSoftmax', [logits]));
    const weighted = temp(floatOp(tfBackend, 'Mul', [labels, logProbs]));
    const total = temp(sumOver(tfBackend, weighted, allAxes, false));
    const minusRows = temp(floatScalar(-rowLayout(logits.shape).rows));
    return floatOp(tfBackend, 'RealDiv', [total, minusRows]);
  });
};

export const manualSoftmaxCrossEntropyConfig: KernelConfig = {
  kernelName: ManualSoftmaxCrossEntropy,
  backendName: 'tensorflow',
  kernelFunc: manualSoftmaxCrossEntropy,
};

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropyGrad } from '../../kernel_names.js';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { floatOp, floatScalar, reshapeTo, sumOver, withTemps, type TensorflowBackend } from './node_backend.js';

/**
 * dz = dy · ((Σ_k y_k) · softmax(z) − y) / N per row; for label rows summing to 1 this is
 * the homework's gradCE, dy · (p − y) / N.
 */
export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const tfBackend = backend as TensorflowBackend;
  const lastAxis = logits.shape.length - 1;
  return withTemps((temp) => {
    const probs = temp(floatOp(tfBackend, 'Softmax', [logits]));
    const labelSums = temp(sumOver(tfBackend, labels, [lastAxis], true));
    const scaledProbs = temp(floatOp(tfBackend, 'Mul', [labelSums, probs]));
    const diff = temp(floatOp(tfBackend, 'Sub', [scaledProbs, labels]));
    const dyScalar = temp(reshapeTo(tfBackend, dy, []));
    const rows = temp(floatScalar(rowLayout(logits.shape).rows));
    const scale = temp(floatOp(tfBackend, 'RealDiv', [dyScalar, rows]));
    return floatOp(tfBackend, 'Mul', [diff, scale]);
  });
};

export const manualSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: ManualSoftmaxCrossEntropyGrad,
  backendName: 'tensorflow',
  kernelFunc: manualSoftmaxCrossEntropyGrad,
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedSoftmaxCrossEntropyInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxCrossEntropyMean } from '../../util/row_loops.js';

export const manualSoftmaxCrossEntropy: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { labels, logits } = checkedSoftmaxCrossEntropyInputs(inputs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput([], 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const yVals = wasm.typedArrayFromHeap(labels) as Float32Array;
  const zVals = wasm.typedArrayFromHeap(logits) as Float32Array;
  const loss = softmaxCrossEntropyMean(yVals, zVals, rowLayout(logits.shape).cols);
  (wasm.typedArrayFromHeap(out) as Float32Array)[0] = loss;
  return out;
};

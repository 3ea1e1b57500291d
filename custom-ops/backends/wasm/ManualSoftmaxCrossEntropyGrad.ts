import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedSoftmaxCrossEntropyGradInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxCrossEntropyGradInto } from '../../util/row_loops.js';

export const manualSoftmaxCrossEntropyGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, labels, logits } = checkedSoftmaxCrossEntropyGradInputs(inputs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(logits.shape, 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const dyValue = (wasm.typedArrayFromHeap(dy) as Float32Array)[0];
  const yVals = wasm.typedArrayFromHeap(labels) as Float32Array;
  const zVals = wasm.typedArrayFromHeap(logits) as Float32Array;
  softmaxCrossEntropyGradInto(dyValue, yVals, zVals, rowLayout(logits.shape).cols, wasm.typedArrayFromHeap(out) as Float32Array);
  return out;
};

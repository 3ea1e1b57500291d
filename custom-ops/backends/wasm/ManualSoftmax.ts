import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedSoftmaxInputs } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxRowsInto } from '../../util/row_loops.js';

export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = checkedSoftmaxInputs(inputs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(logits.shape, 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const zVals = wasm.typedArrayFromHeap(logits) as Float32Array;
  softmaxRowsInto(zVals, rowLayout(logits.shape).cols, wasm.typedArrayFromHeap(out) as Float32Array);
  return out;
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedReluInputs } from '../../util/kernel_checks.js';
import { reluInto } from '../../util/row_loops.js';

export const manualRelu: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { x } = checkedReluInputs(inputs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(x.shape, 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  reluInto(wasm.typedArrayFromHeap(x) as Float32Array, wasm.typedArrayFromHeap(out) as Float32Array);
  return out;
};

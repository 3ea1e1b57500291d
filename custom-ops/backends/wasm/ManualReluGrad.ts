import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedReluGradInputs } from '../../util/kernel_checks.js';
import { reluGradInto } from '../../util/row_loops.js';

export const manualReluGrad: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, x } = checkedReluGradInputs(inputs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(x.shape, 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const dyVals = wasm.typedArrayFromHeap(dy) as Float32Array;
  const xVals = wasm.typedArrayFromHeap(x) as Float32Array;
  reluGradInto(dyVals, xVals, wasm.typedArrayFromHeap(out) as Float32Array);
  return out;
};

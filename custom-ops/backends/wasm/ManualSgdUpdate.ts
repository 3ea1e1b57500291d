import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedSgdUpdateArgs } from '../../util/kernel_checks.js';
import { sgdUpdateInto } from '../../util/update_loops.js';

export const manualSgdUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const { param, grad, lr } = checkedSgdUpdateArgs(inputs, attrs);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(param.shape, 'float32');
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const heap = (info: TensorInfo): Float32Array => wasm.typedArrayFromHeap(info) as Float32Array;
  sgdUpdateInto(heap(param), heap(grad), lr, heap(out));
  return out;
};

import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedMomentumUpdateArgs } from '../../util/kernel_checks.js';
import { momentumUpdateInto } from '../../util/update_loops.js';

export const manualMomentumUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, velocity, lr, momentum } = checkedMomentumUpdateArgs(inputs, attrs);
  const wasm = backend as BackendWasm;
  const outs = [wasm.makeOutput(param.shape, 'float32'), wasm.makeOutput(param.shape, 'float32')];
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const heap = (info: TensorInfo): Float32Array => wasm.typedArrayFromHeap(info) as Float32Array;
  momentumUpdateInto(heap(param), heap(grad), heap(velocity), lr, momentum, heap(outs[0]), heap(outs[1]));
  return outs;
};

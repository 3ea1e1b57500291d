import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ManualAdamUpdate } from '../../kernel_names.js';
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamUpdateInto } from '../../util/update_loops.js';

export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, ...coefficients } = checkedAdamUpdateArgs(inputs, attrs);
  const wasm = backend as BackendWasm;
  const outs = [0, 1, 2].map(() => wasm.makeOutput(param.shape, 'float32'));
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const heap = (info: TensorInfo): Float32Array => wasm.typedArrayFromHeap(info) as Float32Array;
  adamUpdateInto(heap(param), heap(grad), heap(m), heap(v), coefficients, heap(outs[0]), heap(outs[1]), heap(outs[2]));
  return outs;
};

export const manualAdamUpdateConfig: KernelConfig = { kernelName: ManualAdamUpdate, backendName: 'wasm', kernelFunc: manualAdamUpdate };

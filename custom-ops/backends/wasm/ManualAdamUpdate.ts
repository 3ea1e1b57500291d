import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkedAdamUpdateArgs } from '../../util/kernel_checks.js';
import { adamBiasCorrections, adamUpdateInto } from '../../util/update_loops.js';
import { adamSimdFor } from './adam_simd.js';

export const manualAdamUpdate: KernelFunc = ({ inputs, backend, attrs }): TensorInfo[] => {
  const { param, grad, m, v, ...coefficients } = checkedAdamUpdateArgs(inputs, attrs);
  const wasm = backend as BackendWasm;
  const outs = [0, 1, 2].map(() => wasm.makeOutput(param.shape, 'float32'));
  // Views on the heap go stale when makeOutput grows it, so take them after.
  const heap = (info: TensorInfo): Float32Array => wasm.typedArrayFromHeap(info) as Float32Array;
  const simd = adamSimdFor(wasm);
  if (simd === null) {
    adamUpdateInto(heap(param), heap(grad), heap(m), heap(v), coefficients, heap(outs[0]), heap(outs[1]), heap(outs[2]));
    return outs;
  }
  // The same update in float32 SIMD lanes (adam_simd.wat), ~4× faster than the loop above in double.
  const { lr, beta1, beta2, epsilon, step } = coefficients;
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  const at = (info: TensorInfo): number => heap(info).byteOffset;
  simd(at(param), at(grad), at(m), at(v), at(outs[0]), at(outs[1]), at(outs[2]), heap(param).length, beta1, 1 - beta1, beta2, 1 - beta2, lr * c1, c2, epsilon);
  return outs;
};

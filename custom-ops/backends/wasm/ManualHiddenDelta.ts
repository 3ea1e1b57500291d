import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendMatMul, backendTranspose } from '../../util/backend_kernels.js';
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { reluGradInto } from '../../util/row_loops.js';

/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): Wᵀ made first (the wasm backend's transposed products are slow
 * loops, see ManualDenseParamGrads), the XNNPACK product, then the mask in place on the heap.
 */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  const wasm = backend as BackendWasm;
  const wT = backendTranspose('wasm', wasm, w);
  const product = backendMatMul('wasm', wasm, dy, wT, false, false);
  wasm.disposeData(wT.dataId);
  // Views on the heap go stale when it grows, so take them after every allocation.
  const values = wasm.typedArrayFromHeap(product) as Float32Array;
  reluGradInto(values, wasm.typedArrayFromHeap(preActivation) as Float32Array, values);
  return product;
};

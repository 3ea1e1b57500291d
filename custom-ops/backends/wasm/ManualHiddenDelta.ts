/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): Wᵀ made first (the wasm backend's transposed products are slow
 * loops, see ManualDenseParamGrads), the XNNPACK product, then the mask in place on the heap.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendMatMul, backendTranspose } from '../../util/backend_kernels.js';
import { wasmMemory } from '../common/array_kernel.js';
import { hiddenDeltaMaskedInPlace } from '../common/composed_kernels.js';

function productWithWTransposed(backend: unknown, dy: TensorInfo, w: TensorInfo): TensorInfo {
  const wT = backendTranspose('wasm', backend, w);
  const product = backendMatMul('wasm', backend, dy, wT, false, false);
  (backend as BackendWasm).disposeData(wT.dataId);
  return product;
}

export const manualHiddenDelta = hiddenDeltaMaskedInPlace(productWithWTransposed, wasmMemory);

/** Kernels built from one backend's own tfjs kernels (util/backend_kernels.ts), the same on every backend that uses them. */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backendColumnSums, backendMatMul } from '../../util/backend_kernels.js';
import { checkedDenseParamGradsInputs, checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { reluGradInto } from '../../util/row_loops.js';
import type { ArrayMemory } from './array_kernel.js';

/** dW = xᵀ·dy and db = 1ᵀ·dy by the backend's BatchMatMul (reading xᵀ in place) and Sum, in one kernel call. */
export function denseParamGradsByBackendKernels(backendName: string): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, dy } = checkedDenseParamGradsInputs(inputs);
    return [backendMatMul(backendName, backend, x, dy, true, false), backendColumnSums(backendName, backend, dy)];
  };
}

/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): `product` computes dy·Wᵀ with the backend's own kernels into a
 * fresh output, which the relu-gradient loop then masks in place.
 */
export function hiddenDeltaMaskedInPlace(product: (backend: unknown, dy: TensorInfo, w: TensorInfo) => TensorInfo, memoryOf: (backend: unknown) => ArrayMemory): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
    const out = product(backend, dy, w);
    // Views are taken after the product's allocations (a wasm view goes stale when the heap grows).
    const memory = memoryOf(backend);
    const values = memory.view(out);
    reluGradInto(values, memory.view(preActivation), values);
    return out;
  };
}

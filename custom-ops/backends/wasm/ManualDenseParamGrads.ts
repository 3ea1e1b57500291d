import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ManualDenseParamGrads } from '../../kernel_names.js';
import { backendColumnSums, backendMatMul, backendTranspose } from '../../util/backend_kernels.js';
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';

/**
 * dW = xᵀ·dy and db = 1ᵀ·dy by the wasm backend's kernels. tfjs-backend-wasm multiplies a transposed
 * operand in a plain loop, ~15× slower than its XNNPACK product of untransposed ones, so xᵀ is made
 * first (one pass) and multiplied as is.
 */
export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  const wasm = backend as BackendWasm;
  const xT = backendTranspose('wasm', wasm, x);
  const dW = backendMatMul('wasm', wasm, xT, dy, false, false);
  wasm.disposeData(xT.dataId);
  return [dW, backendColumnSums('wasm', wasm, dy)];
};

export const manualDenseParamGradsConfig: KernelConfig = { kernelName: ManualDenseParamGrads, backendName: 'wasm', kernelFunc: manualDenseParamGrads };

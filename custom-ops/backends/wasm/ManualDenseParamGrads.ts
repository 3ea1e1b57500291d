/**
 * dW = xᵀ·dy and db = 1ᵀ·dy by the wasm backend's kernels. A mostly-zero x (the first layer's input)
 * skips its zeros (zeroSkippingMatMul, reading xᵀ in place). Otherwise: tfjs-backend-wasm multiplies a
 * transposed operand in a plain loop, ~15× slower than its XNNPACK product of untransposed ones, so xᵀ
 * is made first (one pass) and multiplied as is.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendColumnSums, backendMatMul, backendTranspose } from '../../util/backend_kernels.js';
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';
import { zeroSkippingMatMul } from './zero_skipping.js';

export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  const wasm = backend as BackendWasm;
  const db = backendColumnSums('wasm', wasm, dy);
  const skipping = zeroSkippingMatMul(wasm, { a: x, b: dy, transposeA: true, transposeB: false, bias: null, relu: false });
  if (skipping !== null) return [skipping, db];
  const xT = backendTranspose('wasm', wasm, x);
  const dW = backendMatMul('wasm', wasm, xT, dy, false, false);
  wasm.disposeData(xT.dataId);
  return [dW, db];
};

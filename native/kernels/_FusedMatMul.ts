import { _FusedMatMul, type _FusedMatMulAttrs } from '@tensorflow/tfjs-core';
import { input, nativeKernelConfig } from '../kernel_utils.js';
import { nativeMatMul } from '../matmul.js';

/** act(op(A)·op(B) + bias) with sgemm and one pass for bias and relu; other activations go to cpu. */
export const _fusedMatMulConfig = nativeKernelConfig(_FusedMatMul, ({ inputs, attrs }, backend) => {
  const a = input(inputs, 'a', _FusedMatMul);
  const b = input(inputs, 'b', _FusedMatMul);
  const { bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation } = attrs as unknown as _FusedMatMulAttrs;
  const linear = activation === undefined || activation === 'linear';
  if (preluActivationWeights !== undefined || (!linear && activation !== 'relu')) return null;
  return nativeMatMul(backend, { a, b, transposeA, transposeB, bias, relu: activation === 'relu' });
});

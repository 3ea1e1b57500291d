import { BatchMatMul, type BatchMatMulAttrs } from '@tensorflow/tfjs-core';
import { input, nativeKernelConfig } from '../kernel_utils.js';
import { nativeMatMul } from '../matmul.js';

/** C = op(A)·op(B) with sgemm. */
export const batchMatMulConfig = nativeKernelConfig(BatchMatMul, ({ inputs, attrs }, backend) => {
  const a = input(inputs, 'a', BatchMatMul);
  const b = input(inputs, 'b', BatchMatMul);
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  return nativeMatMul(backend, { a, b, transposeA, transposeB, relu: false });
});

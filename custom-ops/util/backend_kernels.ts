/**
 * Calls one of tfjs's own kernels of a backend from inside a handgrad kernel (a building block, as
 * tfjs's kernels call each other): the product of a fused kernel is the backend's BatchMatMul.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export function runBackendKernel(kernelName: string, backendName: string, backend: unknown, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`${backendName}: tfjs has no ${kernelName} kernel to build on`);
  return config.kernelFunc({ inputs, backend: backend as KernelBackend, attrs }) as TensorInfo;
}

/** op(a)·op(b) by the backend's BatchMatMul. */
export function backendMatMul(backendName: string, backend: unknown, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  return runBackendKernel('BatchMatMul', backendName, backend, { a, b }, { transposeA, transposeB });
}

/** 1ᵀ·x, the column sums of a matrix, by the backend's Sum. */
export function backendColumnSums(backendName: string, backend: unknown, x: TensorInfo): TensorInfo {
  return runBackendKernel('Sum', backendName, backend, { x }, { axis: [0], keepDims: false });
}

/** xᵀ by the backend's Transpose. */
export function backendTranspose(backendName: string, backend: unknown, x: TensorInfo): TensorInfo {
  return runBackendKernel('Transpose', backendName, backend, { x }, { perm: [1, 0] });
}

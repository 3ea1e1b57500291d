/**
 * C = op(A)·op(B) (+ bias) (then relu) through the addon's matmul (its GEMM: docs/native.md), for BatchMatMul and
 * _FusedMatMul. Shapes follow tfjs's batchMatMul: A is [...batchA, M, K] (or [..., K, M] when
 * transposed), B is [...batchB, K, N] (or [..., N, K]); one batch may be 1 and is then repeated.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from './addon.js';
import { float32Output, float32Values, outputArray, sizeOf, stripLeadingOnes } from './kernel_utils.js';

export interface MatMulRequest {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: TensorInfo;
  relu: boolean;
  /** Multiplies the product by 1(reluMask > 0) (NaN where the mask is NaN); same shape as the product. */
  reluMask?: TensorInfo;
}

/** Bias shapes the addon broadcasts itself: a scalar, one value per column, or a full M×N matrix. */
function biasFits(bias: TensorInfo, m: number, n: number): boolean {
  const s = stripLeadingOnes(bias.shape);
  if (s.length === 0) return true;
  if (s.length === 1) return s[0] === n || (s[0] === 1 && n === 1);
  return s.length === 2 && s[0] === m && s[1] === n;
}

/** The product, or null when the case is not one the addon handles (the caller falls back to cpu). */
export function nativeMatMul(backend: MathBackendCPU, request: MatMulRequest): TensorInfo | null {
  const { a, b, transposeA, transposeB, bias, relu, reluMask } = request;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const aValues = float32Values(backend, a);
  const bValues = float32Values(backend, b);
  const biasValues = bias === undefined ? null : float32Values(backend, bias);
  const maskValues = reluMask === undefined ? null : float32Values(backend, reluMask);
  if (aValues === null || bValues === null || (bias !== undefined && biasValues === null) || (reluMask !== undefined && maskValues === null)) return null;

  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transposeA ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = transposeA ? a.shape[ar - 2] : a.shape[ar - 1];
  const kB = transposeB ? b.shape[br - 1] : b.shape[br - 2];
  const n = transposeB ? b.shape[br - 2] : b.shape[br - 1];
  if (k !== kB || m === 0 || n === 0 || k === 0) return null; // cpu reports the mismatch / handles empties
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  let outerShape: number[];
  try {
    outerShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return null;
  }
  const batch = Math.max(batchA, batchB);
  if (sizeOf(outerShape) !== batch) return null;
  if (bias !== undefined && !biasFits(bias, m, n)) return null;
  if (maskValues !== null && maskValues.length !== batch * m * n) return null;

  const out = outputArray(backend, batch * m * n);
  const strideA = batchA === 1 ? 0 : m * k;
  const strideB = batchB === 1 ? 0 : k * n;
  loadNativeAddon().matmul(aValues, bValues, out, batch, m, n, k, transposeA, transposeB, strideA, strideB, biasValues, relu, maskValues);
  return float32Output(backend, [...outerShape, m, n], out);
}

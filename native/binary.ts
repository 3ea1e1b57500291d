/** Broadcasting float32 binary ops (Add, Sub, Multiply, …) for the broadcasts the addon covers. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { loadNativeAddon, type BinaryOpCode } from './addon.js';
import { float32Output, float32Values, outputArray, input, nativeKernelConfig, sizeOf } from './kernel_utils.js';

/** BroadcastMode of native/src/kernels.h: how an operand maps onto the output seen as outer×inner. */
export const BroadcastMode = { Full: 0, Row: 1, Column: 2, Scalar: 3 } as const;
export type BroadcastMode = (typeof BroadcastMode)[keyof typeof BroadcastMode];

export interface BinaryLayout {
  aMode: BroadcastMode;
  bMode: BroadcastMode;
  outer: number;
  inner: number;
}

type OperandLayout = { mode: BroadcastMode; inner: number | null };

/**
 * An operand right-aligned to the output: all of it, one value, a block of trailing dims repeated
 * over the leading ones (Row, e.g. the bias of R = H·W + b) or a block of leading dims repeated over
 * the trailing ones (Column, e.g. the row max in softmax). null: some other pattern.
 */
function operandLayout(shape: readonly number[], outShape: readonly number[]): OperandLayout | null {
  const size = sizeOf(shape);
  const outSize = sizeOf(outShape);
  if (size === outSize) return { mode: BroadcastMode.Full, inner: null };
  if (size === 1) return { mode: BroadcastMode.Scalar, inner: null };
  const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const dims = outShape.map((d, i) => ({ out: d, own: padded[i] })).filter((d) => d.out !== 1);
  const matches = dims.map((d) => d.own === d.out);
  if (dims.some((d) => d.own !== d.out && d.own !== 1)) return null;
  const k = matches.indexOf(!matches[0]);
  if (k <= 0 || matches.slice(k).some((m) => m !== matches[k])) return null;
  const inner = sizeOf(dims.slice(k).map((d) => d.out));
  return { mode: matches[0] ? BroadcastMode.Column : BroadcastMode.Row, inner };
}

/** How the addon sees `a op b`, or null when it does not cover the broadcast. */
export function binaryLayout(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BinaryLayout | null {
  const n = sizeOf(outShape);
  const a = operandLayout(aShape, outShape);
  const b = operandLayout(bShape, outShape);
  if (n === 0 || a === null || b === null) return null;
  if (a.inner !== null && b.inner !== null && a.inner !== b.inner) return null;
  const inner = a.inner ?? b.inner ?? n;
  return { aMode: a.mode, bMode: b.mode, outer: n / inner, inner };
}

/** out = a op b on float32 inputs in the broadcasts binaryLayout covers; null otherwise. */
export function nativeBinary(backend: MathBackendCPU, op: BinaryOpCode, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  const aValues = float32Values(backend, a);
  const bValues = float32Values(backend, b);
  if (aValues === null || bValues === null) return null;
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return null; // the cpu kernel reports the shape error
  }
  const layout = binaryLayout(a.shape, b.shape, outShape);
  if (layout === null) return null;
  const out = outputArray(backend, layout.outer * layout.inner);
  loadNativeAddon().binary(op, aValues, layout.aMode, bValues, layout.bMode, out, layout.outer, layout.inner);
  return float32Output(backend, outShape, out);
}

export function binaryKernelConfig(kernelName: string, op: BinaryOpCode): KernelConfig {
  return nativeKernelConfig(kernelName, ({ inputs }, backend) =>
    nativeBinary(backend, op, input(inputs, 'a', kernelName), input(inputs, 'b', kernelName)),
  );
}

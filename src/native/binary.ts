/** Broadcasting float32 binary ops (Add, Sub, Multiply, …) for the cases the addon covers. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { loadNativeAddon, type BinaryOpCode } from './addon.js';
import { float32Output, float32Values, input, isTrailingBroadcast, nativeKernelConfig, sizeOf } from './kernel_utils.js';

/**
 * out = a op b when one input has the output's shape and the other is a scalar or repeats
 * along the leading axes (e.g. the bias row of R = H·W + b); null otherwise.
 */
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
  const size = sizeOf(outShape);
  if (size === 0) return null;
  const full = (info: TensorInfo) => sizeOf(info.shape) === size;
  if (!(full(a) || full(b))) return null;
  if (!isTrailingBroadcast(a.shape, outShape) || !isTrailingBroadcast(b.shape, outShape)) return null;
  const out = new Float32Array(size);
  loadNativeAddon().binary(op, aValues, bValues, out);
  return float32Output(backend, outShape, out);
}

export function binaryKernelConfig(kernelName: string, op: BinaryOpCode): KernelConfig {
  return nativeKernelConfig(kernelName, ({ inputs }, backend) =>
    nativeBinary(backend, op, input(inputs, 'a', kernelName), input(inputs, 'b', kernelName)),
  );
}

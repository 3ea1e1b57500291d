/**
 * Checks a kernel makes on its own inputs, for callers that reach it through
 * tf.engine().runKernel without the op's friendlier argument checks.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

export function assertFloat32Inputs(kernelName: string, inputs: Record<string, TensorInfo>): void {
  for (const [name, info] of Object.entries(inputs)) {
    if (info.dtype !== 'float32') {
      throw new Error(`${kernelName}: input '${name}' must be float32 but is ${info.dtype}`);
    }
  }
}

export function assertSameShape(kernelName: string, aName: string, a: TensorInfo, bName: string, b: TensorInfo): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${kernelName}: input '${aName}' has shape ${JSON.stringify(a.shape)} but '${bName}' has shape ${JSON.stringify(b.shape)}`);
  }
}

export function assertRankAtLeast1(kernelName: string, name: string, info: TensorInfo): void {
  if (info.shape.length < 1) throw new Error(`${kernelName}: input '${name}' must have rank >= 1 but is a scalar`);
}

export function assertScalarLike(kernelName: string, name: string, info: TensorInfo): void {
  const size = info.shape.reduce((a, b) => a * b, 1);
  if (size !== 1) throw new Error(`${kernelName}: input '${name}' must hold one value but has shape ${JSON.stringify(info.shape)}`);
}

/**
 * Shared plumbing of the native kernels: typed-array access to the cpu backend's storage
 * (zero-copy), making outputs, and falling back to the cpu kernel for cases the native code
 * does not cover (other dtypes, unusual broadcasts), so every kernel keeps tfjs's semantics.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { arrayKernelFunc, cpuMemoryWith, type ArrayKernel, type ArrayLoop, type ArrayMemory } from '../custom-ops/backends/common/array_kernel.js';
import { guardAliases, type NativeBackend } from './native_backend.js';

export const NATIVE_BACKEND_NAME = 'native';

type KernelArgs = Parameters<KernelFunc>[0];
/** A native implementation: the output, or null to hand the call to the cpu kernel. */
export type NativeImpl = (args: KernelArgs, backend: MathBackendCPU) => TensorInfo | TensorInfo[] | null;

/** The float32 values of a tensor on the (cpu-storage) native backend, or null if not float32. */
export function float32Values(backend: MathBackendCPU, info: TensorInfo): Float32Array | null {
  if (info.dtype !== 'float32') return null;
  const values = backend.data.get(info.dataId).values;
  return values instanceof Float32Array ? values : null;
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * A kernel's output array of `length` floats, from the native backend's pool (possibly recycled, so
 * with arbitrary contents: the kernel must write every element).
 */
export function outputArray(backend: MathBackendCPU, length: number): Float32Array {
  return (backend as NativeBackend).outputArray(length);
}

/** The native backend's memory for the typed-array kernel factory: cpu storage, outputs from the pool. */
export function nativeMemory(backend: unknown): ArrayMemory {
  return cpuMemoryWith(backend, (length) => outputArray(backend as MathBackendCPU, length));
}

/** A handgrad array kernel (its checks and output shapes) with the addon's `loop` in place of its own, on native memory. */
export function nativeArrayKernelFunc<Args>(kernel: ArrayKernel<Args>, loop: ArrayLoop<Args>): KernelFunc {
  return arrayKernelFunc({ ...kernel, loop }, nativeMemory);
}

/** Registers `values` (which the caller just filled) as a float32 tensor; no copy. */
export function float32Output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

function cpuKernelFunc(kernelName: string): KernelFunc {
  const config = tf.getKernel(kernelName, 'cpu');
  if (config === undefined) throw new Error(`native backend: tfjs has no cpu kernel ${kernelName} to fall back to`);
  return config.kernelFunc;
}

/** A KernelConfig for the native backend that runs `impl`, or the cpu kernel when `impl` returns null. */
export function nativeKernelConfig(kernelName: string, impl: NativeImpl): KernelConfig {
  let fallback: KernelFunc | undefined;
  const kernelFunc: KernelFunc = (args) => {
    const result = impl(args, args.backend as MathBackendCPU);
    if (result !== null) return result;
    fallback ??= guardAliases(cpuKernelFunc(kernelName));
    return fallback(args);
  };
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc };
}

/** `shape` without its leading 1s. */
export function stripLeadingOnes(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/** A named input of a kernel call (tfjs types every input as possibly undefined). */
export function input(inputs: KernelArgs['inputs'], name: string, kernelName: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${kernelName} (native): missing input '${name}'`);
  return info;
}

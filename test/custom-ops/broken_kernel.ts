/** Mutation testing: swap a registered cpu kernel for a subtly wrong one, to show a check can fail. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { registerCustomOps } from '../../custom-ops/index.js';

/**
 * Runs `body` with the cpu kernel `kernelName` replaced by one that post-processes the real
 * kernel's output values in place, then puts the real kernel back (when `body`'s promise settles, if it returns one).
 */
export function withBrokenCpuKernel<T extends void | Promise<void>>(kernelName: string, breakValues: (out: Float32Array, inputs: Record<string, Float32Array>) => void, body: () => T): T {
  registerCustomOps();
  const original = tf.getKernel(kernelName, 'cpu');
  tf.unregisterKernel(kernelName, 'cpu');
  tf.registerKernel({
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const out = original.kernelFunc(args) as TensorInfo;
      const cpu = args.backend as MathBackendCPU;
      const read = (info: TensorInfo) => cpu.data.get(info.dataId).values as Float32Array;
      const inputs = Object.fromEntries(Object.entries(args.inputs).map(([name, info]) => [name, read(info as TensorInfo)]));
      breakValues(read(out), inputs);
      return out;
    },
  });
  const restore = (): void => {
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel(original);
  };
  let result: T;
  try {
    result = body();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

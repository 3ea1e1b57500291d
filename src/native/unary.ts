/** Float32 elementwise unary ops (Neg, Exp, Log) in the addon, threaded for large tensors. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { loadNativeAddon, type UnaryOpCode } from './addon.js';
import { float32Output, float32Values, input, nativeKernelConfig } from './kernel_utils.js';

export function unaryKernelConfig(kernelName: string, op: UnaryOpCode): KernelConfig {
  return nativeKernelConfig(kernelName, ({ inputs }, backend) => {
    const x = input(inputs, 'x', kernelName);
    const xValues = float32Values(backend, x);
    if (xValues === null) return null;
    const out = new Float32Array(xValues.length);
    loadNativeAddon().unary(op, xValues, out);
    return float32Output(backend, x.shape, out);
  });
}

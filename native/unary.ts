/** Float32 elementwise unary ops (Neg, Exp, Log, Relu, Step) in the addon, threaded for large tensors. */
import type { KernelConfig, NamedAttrMap } from '@tensorflow/tfjs-core';
import { loadNativeAddon, type UnaryOpCode } from './addon.js';
import { float32Output, float32Values, outputArray, input, nativeKernelConfig } from './kernel_utils.js';

/** A kernel y = f(x) on float32 x (other dtypes go to the cpu kernel); `run` fills `out` from `x`. */
export function elementwiseKernelConfig(
  kernelName: string,
  run: (x: Float32Array, out: Float32Array, attrs: NamedAttrMap | undefined) => void,
): KernelConfig {
  return nativeKernelConfig(kernelName, ({ inputs, attrs }, backend) => {
    const x = input(inputs, 'x', kernelName);
    const xValues = float32Values(backend, x);
    if (xValues === null) return null;
    const out = outputArray(backend, xValues.length);
    run(xValues, out, attrs);
    return float32Output(backend, x.shape, out);
  });
}

export function unaryKernelConfig(kernelName: string, op: UnaryOpCode): KernelConfig {
  return elementwiseKernelConfig(kernelName, (x, out) => loadNativeAddon().unary(op, x, out));
}

import { Relu } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { float32Output, float32Values, input, nativeKernelConfig } from '../kernel_utils.js';

/** y = max(0, x), NaN kept (tfjs's Relu is Math.max(0, x)). */
export const reluConfig = nativeKernelConfig(Relu, ({ inputs }, backend) => {
  const x = input(inputs, 'x', Relu);
  const xValues = float32Values(backend, x);
  if (xValues === null) return null;
  const out = new Float32Array(xValues.length);
  loadNativeAddon().relu(xValues, out);
  return float32Output(backend, x.shape, out);
});

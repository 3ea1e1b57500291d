import { Step, type StepAttrs } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { float32Output, float32Values, input, nativeKernelConfig } from '../kernel_utils.js';

/** step(x) = x > 0 ? 1 : alpha, NaN kept; autodiff's relu gradient is dy ⊙ step(x). */
export const stepConfig = nativeKernelConfig(Step, ({ inputs, attrs }, backend) => {
  const x = input(inputs, 'x', Step);
  const { alpha } = attrs as unknown as StepAttrs;
  const xValues = float32Values(backend, x);
  if (xValues === null) return null;
  const out = new Float32Array(xValues.length);
  loadNativeAddon().step(xValues, out, alpha);
  return float32Output(backend, x.shape, out);
});

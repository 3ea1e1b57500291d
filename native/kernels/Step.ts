import { Step, type StepAttrs } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { elementwiseKernelConfig } from '../unary.js';

/** step(x) = x > 0 ? 1 : alpha, NaN kept; autodiff's relu gradient is dy ⊙ step(x). */
export const stepConfig = elementwiseKernelConfig(Step, (x, out, attrs) =>
  loadNativeAddon().step(x, out, (attrs as unknown as StepAttrs).alpha),
);

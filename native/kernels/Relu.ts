import { Relu } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { elementwiseKernelConfig } from '../unary.js';

/** y = max(0, x), NaN kept (tfjs's Relu is Math.max(0, x)). */
export const reluConfig = elementwiseKernelConfig(Relu, (x, out) => loadNativeAddon().relu(x, out));

import * as tf from '@tensorflow/tfjs';
import { Sum, type SumAttrs } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { float32Output, float32Values, outputArray, input, nativeKernelConfig, sizeOf } from '../kernel_utils.js';

/**
 * Σ over a block of leading axes (db = 1ᵀ·G sums axis 0) or of trailing axes, in double;
 * other axis sets go to the cpu kernel.
 */
export const sumConfig = nativeKernelConfig(Sum, ({ inputs, attrs }, backend) => {
  const x = input(inputs, 'x', Sum);
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  const xValues = float32Values(backend, x);
  if (xValues === null || xValues.length === 0) return null;
  const rank = x.shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  if (axes.length === 0) return null;
  const leading = axes.every((ax, i) => ax === i);
  const trailing = axes.every((ax, i) => ax === rank - axes.length + i);
  if (!leading && !trailing) return null;
  const [reducedShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
  const reducedSize = sizeOf(axes.map((ax) => x.shape[ax]));
  const keptSize = xValues.length / reducedSize;
  const out = outputArray(backend, keptSize);
  if (leading) loadNativeAddon().sumLeading(xValues, out, reducedSize, keptSize);
  else loadNativeAddon().sumTrailing(xValues, out, keptSize, reducedSize);
  return float32Output(backend, outShape, out);
});

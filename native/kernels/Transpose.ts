import { Transpose, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../addon.js';
import { float32Output, float32Values, outputArray, input, nativeKernelConfig } from '../kernel_utils.js';

/** Swaps the last two axes (perm [..., r−1, r−2]), tile by tile; other perms go to the cpu kernel. */
export const transposeConfig = nativeKernelConfig(Transpose, ({ inputs, attrs }, backend) => {
  const x = input(inputs, 'x', Transpose);
  const { perm } = attrs as unknown as TransposeAttrs;
  const xValues = float32Values(backend, x);
  const rank = x.shape.length;
  if (xValues === null || xValues.length === 0 || rank < 2 || perm.length !== rank) return null;
  const swapsLastTwo = perm.every((p, i) => (i < rank - 2 ? p === i : p === (i === rank - 2 ? rank - 1 : rank - 2)));
  if (!swapsLastTwo) return null;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const out = outputArray(backend, xValues.length);
  loadNativeAddon().transpose(xValues, out, xValues.length / (rows * cols), rows, cols);
  return float32Output(backend, perm.map((p) => x.shape[p]), out);
});

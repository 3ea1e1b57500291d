import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_SIMD_WASM } from './adam_simd_wasm.js';
import { simdExportsFor } from './simd_modules.js';

/** adam_simd.wat's export: byte offsets of W, ∇, m, v and the three outputs in the heap, the count, then β1, 1−β1, β2, 1−β2, α·c1, c2, ε. */
export type AdamSimd = (
  w: number,
  g: number,
  m: number,
  v: number,
  outW: number,
  outM: number,
  outV: number,
  n: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  lrTimesC1: number,
  c2: number,
  epsilon: number,
) => void;

/**
 * Adam as WASM SIMD working in place on `backend`'s heap, or null where that cannot be had: the caller
 * then runs the JavaScript loop.
 */
export function adamSimdFor(backend: BackendWasm): AdamSimd | null {
  const exports = simdExportsFor(backend, ADAM_SIMD_WASM);
  return exports === null ? null : (exports.adam as AdamSimd);
}

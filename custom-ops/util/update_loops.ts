/**
 * The optimizer updates' arithmetic for JavaScript, shared by the cpu and wasm kernels (typed arrays:
 * the cpu backend's storage or views on the wasm heap). Each update reads every input once and writes
 * every output once. Arithmetic is float64 (JS numbers), each stored value rounded once to float32;
 * W' is computed from the rounded new slot, as a chain of float32 ops would. The same lines, in float32,
 * are native/src/updates.cc and backends/webgl/update_programs_gpu.ts.
 */
import type { FloatArray } from './row_loops.js';

/** W' = W − α·∇. */
export function sgdUpdateInto(param: FloatArray, grad: FloatArray, lr: number, outParam: FloatArray): void {
  for (let i = 0; i < param.length; i++) outParam[i] = param[i] - lr * grad[i];
}

/** v' = γ·v + α·∇, W' = W − v' (the homework's momentum). */
export function momentumUpdateInto(
  param: FloatArray,
  grad: FloatArray,
  velocity: FloatArray,
  lr: number,
  momentum: number,
  outParam: FloatArray,
  outVelocity: FloatArray,
): void {
  for (let i = 0; i < param.length; i++) {
    const v = Math.fround(momentum * velocity[i] + lr * grad[i]);
    outVelocity[i] = v;
    outParam[i] = param[i] - v;
  }
}

/** Adam's bias corrections at step t ≥ 1: 1/(1 − β1^t) and 1/(1 − β2^t), in float64. */
export function adamBiasCorrections(beta1: number, beta2: number, step: number): { c1: number; c2: number } {
  return { c1: 1 / (1 - beta1 ** step), c2: 1 / (1 - beta2 ** step) };
}

export type AdamCoefficients = { lr: number; beta1: number; beta2: number; epsilon: number; step: number };

/**
 * m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε), with c1, c2 the
 * bias corrections of step t (Kingma & Ba 2015, Algorithm 1).
 */
export function adamUpdateInto(
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  coefficients: AdamCoefficients,
  outParam: FloatArray,
  outM: FloatArray,
  outV: FloatArray,
): void {
  const { lr, beta1, beta2, epsilon, step } = coefficients;
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const mi = Math.fround(beta1 * m[i] + (1 - beta1) * g);
    const vi = Math.fround(beta2 * v[i] + (1 - beta2) * (g * g));
    outM[i] = mi;
    outV[i] = vi;
    outParam[i] = param[i] - (lr * (mi * c1)) / (Math.sqrt(vi * c2) + epsilon);
  }
}

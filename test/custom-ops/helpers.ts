/** Shared set-up for the custom-op tests: which backends run, and the fp32 comparison. */
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { expect } from 'vitest';
import { probeBackend, useBackend, type BackendAvailability, type BackendName } from '../../src/backends.js';
import { registerCustomOps } from '../../custom-ops/index.js';
import { registerNativeBackend } from '../../native/backend.js';
import { FP32_VS_FP32, maxRelativeError } from '../../gradcheck/tolerances.js';
import { type Availability, backendAvailability } from '../helpers/requirements.js';

/** Backends that run in Node (webgl runs in Chromium: test/browser). */
export const TEST_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'native', 'tensorflow'];

export const BACKEND_PROBES: BackendAvailability[] = await Promise.all(TEST_BACKENDS.map((name) => probeBackend(name)));

/** Each backend's availability: a missing one skips, or fails the file where HANDGRAD_REQUIRE_<NAME>=1. */
const AVAILABILITY = new Map<BackendName, Availability>(BACKEND_PROBES.map((probe) => [probe.name, backendAvailability(probe)]));

export function availabilityOf(name: BackendName): Availability {
  return AVAILABILITY.get(name) ?? backendAvailability({ name, available: false, reason: 'not among the tested backends' });
}

/** describe.each rows: [title, probe]. A backend that cannot load gets a title that says why. */
export const BACKEND_ROWS: Array<[string, BackendAvailability]> = BACKEND_PROBES.map((probe) => [`${probe.name}${availabilityOf(probe.name).skipNote}`, probe]);

/**
 * registerCustomOps() for the portable backends; the native backend registers its own handgrad
 * kernels (registerNativeBackend is idempotent and fills in any that were unregistered).
 */
export function registerHandgradKernels(name: BackendName): void {
  registerCustomOps();
  if (name === 'native') registerNativeBackend();
}

export async function activate(name: BackendName): Promise<void> {
  await useBackend(name);
  if (tf.getBackend() !== name) throw new Error(`expected backend ${name}, got ${tf.getBackend()}`);
}

/**
 * Asserts same shape and elementwise relative error ≤ FP32_VS_FP32.rtol, atol = ATOL_PER_SCALE ·
 * max|expected| (gradcheck/tolerances.ts); disposes the tensors. `termScale` (optional, per element)
 * is for results that are differences of larger terms, such as the softmax Jacobian-vector product
 * p_k·(dy_k − Σ_j dy_j p_j): two fp32 evaluations of a difference agree to ~eps32 of the terms, not
 * of the (possibly much smaller) difference. The rtol itself is unchanged.
 */
export function expectClose(actual: Tensor, expected: Tensor, what = 'values', termScale?: Tensor): void {
  try {
    expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
    expect(actual.dtype, `${what}: dtype`).toBe('float32');
    const err = maxRelativeError(actual.dataSync(), expected.dataSync(), { termScale: termScale?.dataSync() });
    expect(err, `${what}: max relative error`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
  } finally {
    tf.dispose([actual, expected, ...(termScale ? [termScale] : [])]);
  }
}

/** Random normal float32 tensor from a fixed seed. */
export function randn(shape: number[], seed: number, scale = 1): Tensor {
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

/**
 * Random one-hot rows over the last axis, from a fixed seed. Built in JS: tf.oneHot with a
 * float32 dtype returns zeros on the wasm backend of tfjs 4.22.
 */
export function oneHotLabels(shape: number[], seed: number): Tensor {
  const rng = seedrandom(`labels-${seed}`);
  const classes = shape[shape.length - 1];
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let start = 0; start < values.length; start += classes) values[start + Math.floor(rng() * classes)] = 1;
  return tf.tensor(values, shape, 'float32');
}

/** Random probability rows (each sums to 1) over the last axis. */
export function softLabels(shape: number[], seed: number): Tensor {
  return tf.tidy(() => tf.softmax(randn(shape, seed, 2)));
}

/** Runs fn and asserts tf.memory().numTensors is unchanged afterwards. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
}

/** Values as text that tells −0 from +0 (and names NaN), for bit-level expectations. */
export function signedText(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/**
 * Edge values for relu and its mask (no denormals: libtensorflow and the native addon flush them), laid
 * out over `size` entries so that both the vector loops and their scalar tails of a backend see each.
 */
export const RELU_EDGES = [-3, -0, 0, 2, Number.NaN, -Infinity, Infinity, 1e-30, -1e-30, 7.5];
export const UPSTREAM_EDGES = [-1, 5, -0, 0, Number.NaN, Infinity, -Infinity, 2.5, -1e-30];

export function edgeValues(edges: readonly number[], size: number, shift = 0): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => edges[(i + shift) % edges.length]);
}

/** relu'(x)·dy as every backend computes it: dy where x > 0, NaN where x is NaN, else +0 (whatever dy is). */
export function expectedReluGrad(dy: ArrayLike<number>, x: ArrayLike<number>): number[] {
  return Array.from(x, (v, i) => (v > 0 ? dy[i] : Number.isNaN(v) ? Number.NaN : 0));
}

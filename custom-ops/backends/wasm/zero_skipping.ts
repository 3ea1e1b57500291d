import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdExportsFor } from './simd_modules.js';
import { ZERO_SKIPPING_WASM } from './zero_skipping_wasm.js';

/** zero_skipping.wat's exports; pointers are byte offsets into the heap. */
type ZeroSkippingExports = {
  sparse_matmul: (a: number, b: number, c: number, m: number, n: number, k: number, transposeA: number, lists: number, bias: number, relu: number) => void;
  all_finite: (x: number, n: number) => number;
};

/** op(A)'s share of exact zeros, in an evenly spaced sample, from which skipping them pays (as on native). */
export const ZERO_SKIPPING_MIN_ZERO_SHARE = 0.7;
/** B's rows at most: each row of C runs through 16-column tiles of B, which must stay in cache. */
const MAX_K = 1024;
/** Products smaller than this many multiply-adds stay with XNNPACK. */
const MIN_MACS = 1 << 20;
const SAMPLE = 4096;

let productsRun = 0;

/** How many products took the zero-skipping path in this process (the tests' evidence that it ran). */
export function zeroSkippingProductCount(): number {
  return productsRun;
}

/** A matrix's [rows, cols]: rank 2, or rank 3 with a batch of one (tf.matMul's BatchMatMul inputs). */
function matrixShape(shape: readonly number[]): [number, number] | null {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length === 3 && shape[0] === 1) return [shape[1], shape[2]];
  return null;
}

/** Share of exact zeros in an evenly spaced sample (an odd stride walks across rows and columns alike). */
function sampledZeroShare(values: Float32Array): number {
  const stride = Math.max(1, Math.floor(values.length / SAMPLE)) | 1;
  let zeros = 0;
  let seen = 0;
  for (let i = 0; i < values.length; i += stride, seen++) if (values[i] === 0) zeros++;
  return zeros / seen;
}

export type ZeroSkippingProduct = {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** One value per column of C, or null. */
  bias: TensorInfo | null;
  relu: boolean;
};

/**
 * op(a)·b (+ bias) (then relu) on the wasm heap, skipping the zeros of a mostly-zero op(a): a new output
 * of shape [m, n] (or [1, m, n] for batch-of-one inputs). Null when the product does not suit it — b
 * transposed, other than float32, batched, small, k above 1024, op(a) under 70 % zeros, ±Inf or NaN in b
 * (0·Inf is NaN in a dense product), no SIMD module — and the caller multiplies densely.
 */
export function zeroSkippingMatMul(backend: BackendWasm, product: ZeroSkippingProduct): TensorInfo | null {
  const { a, b, transposeA, transposeB, bias, relu } = product;
  const aShape = matrixShape(a.shape);
  const bShape = matrixShape(b.shape);
  if (transposeB || a.dtype !== 'float32' || b.dtype !== 'float32' || aShape === null || bShape === null) return null;
  const [m, k] = transposeA ? [aShape[1], aShape[0]] : aShape;
  const n = bShape[1];
  if (bShape[0] !== k || n < 16 || k > MAX_K || m * n * k < MIN_MACS) return null;
  // A bias of rank 1 only (one value per column); tfjs-backend-wasm refuses any other.
  if (bias !== null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  const module = simdExportsFor(backend, ZERO_SKIPPING_WASM) as ZeroSkippingExports | null;
  if (module === null) return null;
  if (sampledZeroShare(backend.typedArrayFromHeap(a) as Float32Array) < ZERO_SKIPPING_MIN_ZERO_SHARE) return null;
  const bValues = backend.typedArrayFromHeap(b) as Float32Array;
  if (module.all_finite(bValues.byteOffset, bValues.length) === 0) return null;
  // A batch-of-one operand gives a batch-of-one product, as the dense kernel's broadcast does.
  const out = backend.makeOutput(a.shape.length === 3 || b.shape.length === 3 ? [1, m, n] : [m, n], 'float32');
  // The Emscripten module's allocator (tfjs-backend-wasm's types leave it out).
  const heap = backend.wasm as unknown as { _malloc: (bytes: number) => number; _free: (pointer: number) => void };
  const lists = heap._malloc(8 * k);
  try {
    // Offsets read after both allocations (either may grow the heap).
    const at = (info: TensorInfo): number => (backend.typedArrayFromHeap(info) as Float32Array).byteOffset;
    module.sparse_matmul(at(a), at(b), at(out), m, n, k, transposeA ? 1 : 0, lists, bias === null ? 0 : at(bias), relu ? 1 : 0);
  } finally {
    heap._free(lists);
  }
  productsRun++;
  return out;
}

type KernelArgs = Parameters<KernelFunc>[0];

/** tfjs-backend-wasm's BatchMatMul: a product of two matrices (or batches of one) may skip zeros. */
function batchMatMul(args: KernelArgs, dense: KernelFunc): TensorInfo | TensorInfo[] {
  const { transposeA, transposeB } = args.attrs as NamedAttrMap & { transposeA: boolean; transposeB: boolean };
  const { a, b } = args.inputs;
  if (a === undefined || b === undefined) return dense(args);
  const product = { a, b, transposeA, transposeB, bias: null, relu: false };
  return zeroSkippingMatMul(args.backend as BackendWasm, product) ?? dense(args);
}

/** tfjs-backend-wasm's _FusedMatMul: with no activation or relu, no prelu weights, a bias per column or none. */
function fusedMatMul(args: KernelArgs, dense: KernelFunc): TensorInfo | TensorInfo[] {
  const { transposeA, transposeB, activation } = args.attrs as NamedAttrMap & { transposeA: boolean; transposeB: boolean; activation?: string };
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const plain = activation === undefined || activation === 'linear' || activation === 'relu';
  if (!plain || preluActivationWeights !== undefined || a === undefined || b === undefined) return dense(args);
  const product = { a, b, transposeA, transposeB, bias: bias ?? null, relu: activation === 'relu' };
  return zeroSkippingMatMul(args.backend as BackendWasm, product) ?? dense(args);
}

const WRAPPERS: Record<string, (args: KernelArgs, dense: KernelFunc) => TensorInfo | TensorInfo[]> = {
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
};
/** Marks a wrapped kernel in tfjs's registry, which is global, and holds the dense kernel it wraps: a second copy of this module sees both. */
const DENSE = Symbol.for('handgrad.zeroSkippingProduct');
type WrappedKernelFunc = KernelFunc & { [DENSE]: KernelFunc };

function isWrapped(kernelFunc: KernelFunc): kernelFunc is WrappedKernelFunc {
  return DENSE in kernelFunc;
}

/**
 * tfjs-backend-wasm's BatchMatMul and _FusedMatMul, where registered, skip the zeros of a mostly-zero
 * left operand (zeroSkippingMatMul), every other product going to XNNPACK as before. Results equal the
 * dense product's up to the order of the sums. registerCustomOps calls it: tfjs-backend-wasm must be
 * imported before. A product already wrapped is left as it is.
 */
export function wrapWasmProducts(): void {
  for (const [kernelName, wrapper] of Object.entries(WRAPPERS)) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (original === undefined || isWrapped(original.kernelFunc)) continue;
    const dense = original.kernelFunc;
    const kernelFunc: WrappedKernelFunc = Object.assign((args: KernelArgs) => wrapper(args, dense), { [DENSE]: dense });
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc } satisfies KernelConfig);
  }
}

/** Puts tfjs-backend-wasm's own BatchMatMul and _FusedMatMul back (unregisterCustomOps calls it). */
export function unwrapWasmProducts(): void {
  for (const kernelName of Object.keys(WRAPPERS)) {
    const wrapped = tf.getKernel(kernelName, 'wasm');
    if (wrapped === undefined || !isWrapped(wrapped.kernelFunc)) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...wrapped, kernelFunc: wrapped.kernelFunc[DENSE] } satisfies KernelConfig);
  }
}

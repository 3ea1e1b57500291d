/**
 * Loads handgrad's Node-API addon (native/build/Release/handgrad_native.node, built by
 * native/build.mjs at `npm install`; HANDGRAD_NATIVE_ADDON=path loads another build) and describes its functions. Every function reads the
 * Float32Arrays it is given in place (zero-copy) and writes into an `out` array the caller made.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What to do when the addon is missing, for error messages. */
export const NATIVE_INSTALL_HINT = 'install a C++ compiler (apt-get install g++ make python3), then run `npm run build:native`';

/** Where native/build.mjs leaves the addon, seen from this module in the sources (native/) and compiled (dist/native/). */
const ADDON_CANDIDATES = ['./build/Release/handgrad_native.node', '../../native/build/Release/handgrad_native.node'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);
export const ADDON_PATH = process.env.HANDGRAD_NATIVE_ADDON || (ADDON_CANDIDATES.find((path) => existsSync(path)) ?? ADDON_CANDIDATES[0]);

/** Codes of the addon's `binary` op (native/src/kernels.h BinaryOp). */
export const BinaryOpCode = { Add: 0, Sub: 1, Mul: 2, Div: 3, Max: 4, Min: 5 } as const;
export type BinaryOpCode = (typeof BinaryOpCode)[keyof typeof BinaryOpCode];
/** Codes of the addon's `unary` op (native/src/kernels.h UnaryOp). */
export const UnaryOpCode = { Neg: 0, Exp: 1, Log: 2 } as const;
export type UnaryOpCode = (typeof UnaryOpCode)[keyof typeof UnaryOpCode];

/** The micro-kernels of handgrad's own sgemm (native/src/sgemm.h). */
export type SgemmKernelName = 'avx512' | 'avx2' | 'generic';

export interface NativeInfo {
  /** The GEMM behind matmul, as gemmImplementation() names it. */
  gemm: string;
  /** The sgemm micro-kernels this CPU runs, fastest first. */
  sgemmKernels: SgemmKernelName[];
  /** OpenBLAS's kernel set for this CPU, e.g. "SkylakeX" or "Haswell"; "none" when the build links no OpenBLAS. */
  blasCore: string;
  blasConfig: string;
  /** 0 without OpenBLAS. */
  blasThreads: number;
  /** Threads used by the elementwise and row kernels. */
  workers: number;
  /** Whether matmul skips the zeros of a mostly-zero left operand (HANDGRAD_NATIVE_SPARSE=0 turns it off). */
  sparseProducts: boolean;
}

/**
 * The addon's fused MLP session (native/src/mlp_session.cc): it holds the parameter and slot arrays
 * it was given (W_1, b_1, W_2, b_2, …; one list per optimizer slot) and updates them in place.
 */
export interface NativeMlpSession {
  /**
   * One training step on rows indices[begin..end) of the training set (null: rows begin..end in
   * order); optimizer 0 SGD, 1 momentum, 2 Adam (c1, c2 its bias corrections). out ← [mean loss, hits]
   * at the parameters the step started from.
   */
  step(
    indices: Int32Array | null,
    begin: number,
    end: number,
    optimizer: number,
    lr: number,
    momentum: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    c1: number,
    c2: number,
    out: Float64Array,
  ): void;
  /** out ← [Σ_n (logsumexp(Z_n) − Z_{n,y_n}), hits] over every row of x, forward passes of at most `chunk` rows. */
  evaluate(x: Float32Array, labels: Int32Array, chunk: number, out: Float64Array): void;
}

export interface NativeAddon {
  MlpSession: new (sizes: readonly number[], params: Float32Array[], slots: Float32Array[][], trainX: Float32Array, trainLabels: Int32Array) => NativeMlpSession;

  /**
   * out[b] = op(a[b])·op(b[b]) (+ bias) (then relu) (then ⊙ 1(reluMask > 0)), b < batch; stride 0
   * repeats one matrix. reluMask (batch·m·n values) gives the hidden delta (G·Wᵀ) ⊙ 1(R > 0).
   */
  matmul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    strideA: number,
    strideB: number,
    bias: Float32Array | null,
    relu: boolean,
    reluMask?: Float32Array | null,
  ): void;
  /** out = op(a)·op(b) (m×n, k the inner size) by handgrad's own sgemm with the named micro-kernel, on the calling thread, whatever GEMM matmul uses. */
  sgemm(kernel: SgemmKernelName, a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  /** The GEMM behind matmul, e.g. "handgrad sgemm (avx512 kernel)" or "OpenBLAS 0.3.21 (Haswell)". */
  gemmImplementation(): string;
  /** max(0, x), NaN kept. */
  relu(x: Float32Array, out: Float32Array): void;
  /** dy ⊙ 1(x > 0); NaN in x gives NaN. */
  reluGrad(dy: Float32Array, x: Float32Array, out: Float32Array): void;
  step(x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = a op b over the output seen as outer×inner; each mode says how its operand repeats (native/binary.ts). */
  binary(op: BinaryOpCode, a: Float32Array, aMode: number, b: Float32Array, bMode: number, out: Float32Array, outer: number, inner: number): void;
  unary(op: UnaryOpCode, x: Float32Array, out: Float32Array): void;
  softmax(logits: Float32Array, out: Float32Array, cols: number): void;
  softmaxCrossEntropy(labels: Float32Array, logits: Float32Array, cols: number): number;
  softmaxCrossEntropyGrad(dy: number, labels: Float32Array, logits: Float32Array, out: Float32Array, cols: number): void;
  sumLeading(x: Float32Array, out: Float32Array, outer: number, inner: number): void;
  sumTrailing(x: Float32Array, out: Float32Array, outer: number, inner: number): void;
  transpose(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void;
  /** outParam = param − lr·grad. */
  sgdUpdate(param: Float32Array, grad: Float32Array, outParam: Float32Array, lr: number): void;
  /** outVelocity = momentum·velocity + lr·grad, outParam = param − outVelocity. */
  momentumUpdate(param: Float32Array, grad: Float32Array, velocity: Float32Array, outParam: Float32Array, outVelocity: Float32Array, lr: number, momentum: number): void;
  /** Adam with the bias corrections c1 = 1/(1−β1^t), c2 = 1/(1−β2^t) of step t (native/src/kernels.h). */
  adamUpdate(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    outParam: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void;
  info(): NativeInfo;
  /** 0 leaves a count unchanged. */
  setThreads(blasThreads: number, workers: number): void;
  /** Whether matmul may skip the exact zeros of a mostly-zero left operand (the result is the dense product's up to summation order). */
  setSparseProducts(enabled: boolean): void;
}

/** Loads an addon file; throws a one-line Error that says what to install when it cannot. */
export function loadAddonFrom(path: string): NativeAddon {
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'MODULE_NOT_FOUND' ? 'the addon is not built' : `the addon does not load: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    throw new Error(`native backend unavailable (${why}); ${NATIVE_INSTALL_HINT}`, { cause: error });
  }
}

let cached: NativeAddon | undefined;

/** handgrad's addon (ADDON_PATH), loaded once. */
export function loadNativeAddon(): NativeAddon {
  cached ??= loadAddonFrom(ADDON_PATH);
  return cached;
}

/**
 * Loads handgrad's Node-API addon (native/build/Release/handgrad_native.node, built by
 * native/build.mjs at `npm install`) and describes its functions. Every function reads the
 * Float32Arrays it is given in place (zero-copy) and writes into an `out` array the caller made.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What to do when the addon is missing, for error messages. */
export const NATIVE_INSTALL_HINT =
  'install a C++ compiler and OpenBLAS (apt-get install g++ make python3 pkg-config libopenblas-dev), then run `npm run build:native`';

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/handgrad_native.node', import.meta.url));

/** Codes of the addon's `binary` op (native/src/kernels.h BinaryOp). */
export const BinaryOpCode = { Add: 0, Sub: 1, Mul: 2, Div: 3, Max: 4, Min: 5 } as const;
export type BinaryOpCode = (typeof BinaryOpCode)[keyof typeof BinaryOpCode];

export interface NativeInfo {
  /** OpenBLAS's kernel set for this CPU, e.g. "SkylakeX" or "Haswell". */
  blasCore: string;
  blasConfig: string;
  blasThreads: number;
  /** Threads used by the elementwise and row kernels. */
  workers: number;
}

export interface NativeAddon {
  /** out[b] = op(a[b])·op(b[b]) (+ bias) (then relu), b < batch; stride 0 repeats one matrix. */
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
  ): void;
  relu(x: Float32Array, out: Float32Array, keepNaN: boolean): void;
  reluGrad(dy: Float32Array, x: Float32Array, out: Float32Array): void;
  step(x: Float32Array, out: Float32Array, alpha: number): void;
  /** out[i] = a[i mod |a|] op b[i mod |b|]. */
  binary(op: BinaryOpCode, a: Float32Array, b: Float32Array, out: Float32Array): void;
  softmax(logits: Float32Array, out: Float32Array, cols: number): void;
  softmaxCrossEntropy(labels: Float32Array, logits: Float32Array, cols: number): number;
  softmaxCrossEntropyGrad(dy: number, labels: Float32Array, logits: Float32Array, out: Float32Array, cols: number): void;
  sumLeading(x: Float32Array, out: Float32Array, outer: number, inner: number): void;
  sumTrailing(x: Float32Array, out: Float32Array, outer: number, inner: number): void;
  transpose(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void;
  info(): NativeInfo;
  /** 0 leaves a count unchanged. */
  setThreads(blasThreads: number, workers: number): void;
}

/**
 * OpenBLAS picks its kernels when it loads, from the CPU it recognises. Releases before 0.3.2x
 * (Debian 12 ships 0.3.21) do not know AMD Zen 4/5 and fall back to their AVX2 "Haswell" kernels,
 * half the speed of the AVX-512 "SkylakeX" ones those CPUs run (sgemm 10000×784×1000 on a Zen 5:
 * ~200 vs ~390 GFLOP/s). Returns the core type to force, or null to let OpenBLAS decide.
 */
export function blasCoreTypeFor(cpuinfo: string): string | null {
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  const family = Number(/^cpu family\s*:\s*(\d+)/m.exec(cpuinfo)?.[1] ?? NaN);
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  const avx512 = ['avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'].every((flag) => flags.has(flag));
  return vendor === 'AuthenticAMD' && family >= 0x19 && avx512 ? 'SkylakeX' : null;
}

function chooseBlasCoreType(): void {
  if (process.env.OPENBLAS_CORETYPE !== undefined || process.platform !== 'linux') return;
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return;
  }
  const core = blasCoreTypeFor(cpuinfo);
  // Read by OpenBLAS's initialiser when the addon (and so libopenblas) is loaded below.
  if (core !== null) process.env.OPENBLAS_CORETYPE = core;
}

let cached: NativeAddon | undefined;

/** The addon, loaded once. Throws a one-line Error that says what to install when it cannot load. */
export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  chooseBlasCoreType();
  try {
    cached = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'MODULE_NOT_FOUND' ? 'the addon is not built' : `the addon does not load: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    throw new Error(`native backend unavailable (${why}); ${NATIVE_INSTALL_HINT}`);
  }
  return cached;
}

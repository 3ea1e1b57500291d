/**
 * handgrad's own sgemm (native/src/sgemm.cc), each micro-kernel this CPU runs, against a float64
 * reference: shapes that are no multiple of any tile or block (1, 7, 17, 255, 257, …), every transpose
 * combination, ±Inf and NaN as BLAS propagates them (0·Inf = NaN), k = 0, and results that are the
 * same bit for bit from run to run and however matmul splits C between threads.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, type SgemmKernelName } from '../../native/addon.js';
import { NATIVE_MISSING, SKIP_REASON, bitDifferences, expectMatmulSplitInvariant, randomValues, TRANSPOSES } from './helpers.js';

interface Shape {
  m: number;
  n: number;
  k: number;
}

/** The stored operands: A is m×k (k×m when transposed), B is k×n (n×k when transposed). */
function operand(rows: number, cols: number, transposed: boolean, get: (i: number, j: number) => number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[transposed ? j * rows + i : i * cols + j] = get(i, j);
  return out;
}

interface Reference {
  /** op(A)·op(B) in float64, IEEE semantics (0·Inf = NaN). */
  product: Float64Array;
  /** Σ_p |op(A)_ip|·|op(B)_pj|: the size of the terms each element sums. */
  terms: Float64Array;
}

function reference(a: Float32Array, b: Float32Array, { m, n, k }: Shape, ta: boolean, tb: boolean): Reference {
  const product = new Float64Array(m * n);
  const terms = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = ta ? a[p * m + i] : a[i * k + p];
      for (let j = 0; j < n; j++) {
        const y = tb ? b[j * k + p] : b[p * n + j];
        product[i * n + j] += x * y;
        terms[i * n + j] += Math.abs(x * y);
      }
    }
  }
  return { product, terms };
}

/**
 * The worst-case bound of a float32 dot product of k terms, summed in any order (Higham, Accuracy and
 * Stability of Numerical Algorithms, §3.1): |computed − exact| ≤ γ_k · Σ|x_p·y_p|, γ_k = k·u/(1 − k·u),
 * u = 2⁻²⁴. A wrong index or a lost block of k misses it by orders of magnitude.
 */
function gamma(k: number): number {
  const u = 2 ** -24;
  return (k * u) / (1 - k * u);
}

/** The largest error as a share of the bound (≤ 1 passes); NaN and ±Inf must match the reference exactly. */
function worstShareOfBound(actual: Float32Array, ref: Reference, k: number): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const want = ref.product[i];
    const got = actual[i];
    if (!Number.isFinite(want) || !Number.isFinite(got)) {
      if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) return Infinity;
      continue;
    }
    const error = Math.abs(got - want);
    if (error > 0) worst = Math.max(worst, error / (gamma(k) * ref.terms[i] + Number.MIN_VALUE));
  }
  return worst;
}

function run(kernel: SgemmKernelName, a: Float32Array, b: Float32Array, { m, n, k }: Shape, ta: boolean, tb: boolean): Float32Array {
  // C starts as NaN: the product must write every element without reading it (β = 0).
  const out = new Float32Array(m * n).fill(NaN);
  loadNativeAddon().sgemm(kernel, a, b, out, m, n, k, ta, tb);
  return out;
}

/**
 * Edge sizes around the tiles (8×32, 6×16, 4×16), the blocks of k (256) and of columns (256), rows past
 * one packed block (512), and the default job's shapes (784-256-10, batch 128).
 */
const SHAPES: Shape[] = [
  { m: 1, n: 1, k: 1 },
  { m: 7, n: 17, k: 255 },
  { m: 17, n: 7, k: 257 },
  { m: 255, n: 33, k: 17 },
  { m: 9, n: 257, k: 513 },
  { m: 600, n: 15, k: 31 },
  { m: 128, n: 256, k: 784 },
  { m: 128, n: 10, k: 256 },
];

const kernels = NATIVE_MISSING ? [] : loadNativeAddon().info().sgemmKernels;

describe.skipIf(NATIVE_MISSING)(`handgrad's sgemm against a float64 reference${SKIP_REASON}`, () => {
  it('runs the portable kernel on every CPU, and names the GEMM matmul uses', () => {
    expect(kernels).toContain('generic');
    expect(loadNativeAddon().gemmImplementation()).toMatch(/^(handgrad sgemm \((avx512|avx2|generic) kernel\)|OpenBLAS \S+ \(\w+\)|Accelerate)$/);
    expect(loadNativeAddon().info().gemm).toBe(loadNativeAddon().gemmImplementation());
    expect(() => loadNativeAddon().sgemm('sse9' as SgemmKernelName, new Float32Array(1), new Float32Array(1), new Float32Array(1), 1, 1, 1, false, false)).toThrow(
      /unknown kernel 'sse9'/,
    );
  });

  for (const shape of SHAPES) {
    it(`${shape.m}×${shape.k} · ${shape.k}×${shape.n}, every transpose, every kernel: within γ_k of the float64 product`, () => {
      for (const [ta, tb] of TRANSPOSES) {
        const seed = shape.m * 7 + shape.n * 13 + shape.k;
        const values = randomValues(shape.m * shape.k, seed);
        const a = operand(shape.m, shape.k, ta, (i, p) => values[i * shape.k + p]);
        const b = operand(shape.k, shape.n, tb, (p, j) => Math.fround(Math.sin(p * 31 + j * 7 + seed)));
        const ref = reference(a, b, shape, ta, tb);
        for (const kernel of kernels) {
          expect(worstShareOfBound(run(kernel, a, b, shape, ta, tb), ref, shape.k), `${kernel} ta=${ta} tb=${tb}`).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  it('±Inf and NaN propagate as in BLAS: 0·Inf = NaN, Inf + finite = Inf, Inf − Inf = NaN, in whole and partial tiles', () => {
    const shape = { m: 19, n: 45, k: 300 };
    for (const [ta, tb] of TRANSPOSES) {
      const a = operand(shape.m, shape.k, ta, (i, p) => (p % 3 === 0 ? 0 : 0.5 + ((i + p) % 5) / 10));
      const b = operand(shape.k, shape.n, tb, (p, j) => {
        if (p === 3 && j === 4) return Infinity; // met by zeros of A's column 3: NaN in column 4
        if (p === 7 && j === 40) return -Infinity; // met by nonzeros: −Inf in column 40 (a partial tile)
        if (p === 8 && (j === 40 || j === 41)) return Infinity; // with the −Inf above: NaN in column 40; +Inf in 41
        if (p === 260 && j === 0) return NaN; // in the second block of k: NaN in column 0
        return 0.25;
      });
      const ref = reference(a, b, shape, ta, tb);
      for (const column of [0, 4, 40]) expect(Number.isNaN(ref.product[2 * shape.n + column])).toBe(true);
      expect(ref.product[2 * shape.n + 41]).toBe(Infinity);
      for (const kernel of kernels) {
        const out = run(kernel, a, b, shape, ta, tb);
        expect(worstShareOfBound(out, ref, shape.k), `${kernel} ta=${ta} tb=${tb}`).toBeLessThanOrEqual(1);
        // Every other column stays finite: the zero padding of partial tiles never meets the infinities.
        expect(out.filter((v) => !Number.isFinite(v)).length).toBe(shape.m * 4);
      }
    }
  });

  it('NaN in A makes its row of C NaN; k = 0 gives zeros', () => {
    const shape = { m: 9, n: 33, k: 20 };
    const a = operand(shape.m, shape.k, false, (i, p) => (i === 5 && p === 11 ? NaN : 1));
    const b = operand(shape.k, shape.n, false, () => 0);
    for (const kernel of kernels) {
      const out = run(kernel, a, b, shape, false, false);
      for (let i = 0; i < shape.m; i++) {
        const row = out.subarray(i * shape.n, (i + 1) * shape.n);
        expect(row.every((v) => (i === 5 ? Number.isNaN(v) : v === 0))).toBe(true);
      }
      expect(Array.from(run(kernel, new Float32Array(0), new Float32Array(0), { m: 3, n: 5, k: 0 }, false, false))).toEqual(new Array(15).fill(0));
    }
  });

  it('gives the same bits on every run', () => {
    const shape = { m: 131, n: 77, k: 600 };
    const a = randomValues(shape.m * shape.k, 11);
    const b = randomValues(shape.k * shape.n, 12);
    for (const kernel of kernels) {
      const first = run(kernel, a, b, shape, false, true);
      for (let r = 0; r < 3; r++) expect(bitDifferences(run(kernel, a, b, shape, false, true), first)).toBe(0);
    }
  });
});

const ownGemm = !NATIVE_MISSING && loadNativeAddon().gemmImplementation().startsWith('handgrad sgemm');

// Where this build links a BLAS library, test/native/build_without_openblas.test.ts runs the same check on a build without one.
describe.skipIf(!ownGemm)(`matmul on handgrad's sgemm${ownGemm ? '' : ' (SKIPPED: this build multiplies with a BLAS library; see build_without_openblas.test.ts)'}`, () => {
  it('gives the bits of a single-threaded sgemm however it splits C between threads (by rows or by columns)', () => {
    expectMatmulSplitInvariant(loadNativeAddon());
  });
});

/**
 * The native matmul skips the exact zeros of a mostly-zero left operand (X and Xᵀ of MNIST-like
 * batches): the result must be the dense product's up to summation order, with the same bias, relu
 * and mask epilogues, the same NaN where a zero meets ±Inf or NaN in B, and the dense path kept for
 * operands that are not mostly zeros.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/addon.js';
import { clippingBias, maxRelativeError, randomMatrix, referenceProduct as reference, type ProductShape } from '../helpers/products.js';
import { NATIVE_MISSING, SKIP_REASON } from './helpers.js';

type Product = ProductShape;

function nativeProduct(a: Float32Array, b: Float32Array, p: Product, sparse: boolean): Float32Array {
  const addon = loadNativeAddon();
  const out = new Float32Array(p.m * p.n);
  addon.setSparseProducts(sparse);
  addon.matmul(a, b, out, 1, p.m, p.n, p.k, p.transposeA, false, 0, 0, p.bias ?? null, p.relu ?? false, p.mask ?? null);
  return out;
}

function bitwiseDifferences(x: Float32Array, y: Float32Array): number {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) count++;
  return count;
}

/**
 * The zero-skipping path sums each element's nonzero terms in ascending k in one pass. handgrad's own
 * sgemm sums in ascending k too, in blocks of at most 256 values of k (native/src/sgemm.cc): where k fits
 * one block the two agree bit for bit (a skipped 0·b adds nothing); otherwise, and with a BLAS library,
 * the sums are associated differently and some bits differ, which shows that the zero-skipping path ran.
 */
const SGEMM_K_BLOCK = 256;
function expectSummedAsDense(sparse: Float32Array, dense: Float32Array, k: number): void {
  const sameOrder = loadNativeAddon().gemmImplementation().startsWith('handgrad sgemm') && k <= SGEMM_K_BLOCK;
  if (sameOrder) expect(bitwiseDifferences(sparse, dense)).toBe(0);
  else expect(bitwiseDifferences(sparse, dense)).toBeGreaterThan(0);
}

const FORWARD: Product = { m: 128, n: 256, k: 784, transposeA: false }; // X·W of a mini-batch
const WEIGHT_GRADIENT: Product = { m: 784, n: 256, k: 128, transposeA: true }; // Xᵀ·G

describe.skipIf(NATIVE_MISSING)(`native matmul: the zeros of a mostly-zero left operand are skipped${SKIP_REASON}`, () => {
  afterEach(() => loadNativeAddon().setSparseProducts(true));

  it('is on by default', () => {
    expect(loadNativeAddon().info().sparseProducts).toBe(true);
  });

  for (const [name, shape] of [
    ['X·W (128×784 · 784×256)', FORWARD],
    ['Xᵀ·G (784×128ᵀ · 128×256)', WEIGHT_GRADIENT],
    ['a width that is no multiple of the 64-column tile (n = 100)', { ...FORWARD, n: 100 }],
    ['Xᵀ·G with n = 250', { ...WEIGHT_GRADIENT, n: 250 }],
  ] as const) {
    it(`${name}: 80 % zeros give the float64 product within 1e-5`, () => {
      const a = randomMatrix(shape.m * shape.k, 0.8, `sparse-a-${name}`);
      const b = randomMatrix(shape.k * shape.n, 0, `sparse-b-${name}`);
      const sparse = nativeProduct(a, b, shape, true);
      const dense = nativeProduct(a, b, shape, false);
      const expected = reference(a, b, shape);
      expect(maxRelativeError(sparse, expected)).toBeLessThan(1e-5);
      expect(maxRelativeError(dense, expected)).toBeLessThan(1e-5);
      expectSummedAsDense(sparse, dense, shape.k);
    });
  }

  it('bias + relu (the forward layer) and the relu-gradient mask (the hidden delta) on the rows it computed', () => {
    const a = randomMatrix(FORWARD.m * FORWARD.k, 0.8, 'epilogue-a');
    const b = randomMatrix(FORWARD.k * FORWARD.n, 0, 'epilogue-b');
    const bias = clippingBias(FORWARD.n, 'epilogue-bias');
    const mask = randomMatrix(FORWARD.m * FORWARD.n, 0.5, 'epilogue-mask');
    for (const shape of [
      { ...FORWARD, bias, relu: true },
      { ...FORWARD, mask },
    ]) {
      const sparse = nativeProduct(a, b, shape, true);
      expect(maxRelativeError(sparse, reference(a, b, shape))).toBeLessThan(1e-5);
      expectSummedAsDense(sparse, nativeProduct(a, b, shape, false), shape.k);
      if (shape.relu) expect(sparse.some((x) => x === 0) && sparse.some((x) => x > 0)).toBe(true);
    }
  });

  it('±Inf or NaN in B gives the dense product exactly (0·Inf = NaN where a zero of A meets it)', () => {
    for (const shape of [FORWARD, WEIGHT_GRADIENT]) {
      const a = randomMatrix(shape.m * shape.k, 0.8, 'nonfinite-a');
      // With a finite B these operands take the zero-skipping path.
      const finite = randomMatrix(shape.k * shape.n, 0, 'nonfinite-b');
      expectSummedAsDense(nativeProduct(a, finite, shape, true), nativeProduct(a, finite, shape, false), shape.k);
      // Row 3 of B is met by the zeros of A's column 3 (op(A)), which are most of them.
      for (const poison of [Infinity, -Infinity, NaN]) {
        const b = randomMatrix(shape.k * shape.n, 0, 'nonfinite-b');
        b[3 * shape.n + 7] = poison;
        const sparse = nativeProduct(a, b, shape, true);
        const dense = nativeProduct(a, b, shape, false);
        expect(bitwiseDifferences(sparse, dense)).toBe(0);
        expect(sparse.filter((x) => Number.isNaN(x)).length).toBeGreaterThan(shape.m / 2);
      }
    }
  });

  it('an operand with few zeros (30 %), or a product too small to thread, stays on dense BLAS (bit for bit)', () => {
    for (const [shape, zeroShare] of [
      [FORWARD, 0.3],
      [WEIGHT_GRADIENT, 0.3],
      [{ m: 16, n: 32, k: 64, transposeA: false }, 0.9],
    ] as const) {
      const a = randomMatrix(shape.m * shape.k, zeroShare, 'dense-a');
      const b = randomMatrix(shape.k * shape.n, 0, 'dense-b');
      expect(bitwiseDifferences(nativeProduct(a, b, shape, true), nativeProduct(a, b, shape, false))).toBe(0);
    }
  });

  it('HANDGRAD_NATIVE_SPARSE=0 turns it off for a process', () => {
    const script = "import { loadNativeAddon } from './native/addon.ts'; console.log(JSON.stringify(loadNativeAddon().info().sparseProducts));";
    const run = (value: string | undefined): string => {
      const env = { ...process.env };
      if (value === undefined) delete env.HANDGRAD_NATIVE_SPARSE;
      else env.HANDGRAD_NATIVE_SPARSE = value;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
      expect(child.status, child.stderr).toBe(0);
      return child.stdout.trim();
    };
    expect(run('0')).toBe('false');
    expect(run(undefined)).toBe('true');
  });
});

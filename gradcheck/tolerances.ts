/**
 * Every fixed tolerance the checker uses, in one place. A tolerance belongs to a kind of
 * comparison and is never loosened to make a row pass. (fp32 finite differences without a float64
 * reference have no fixed tolerance: each quantity's is derived from its own error estimate, see
 * fd32/line.ts.)
 *
 * Measure (per element): rel = |a − b| / max(|a|, |b|, atol), row passes when max rel ≤ rtol.
 *
 * atol, the floor under the denominator, is what makes elements near zero comparable. An fp32
 * value accumulated from terms of size ~scale (the tensor's largest |value|) carries an absolute
 * rounding error of about u·scale (u = 2⁻²⁴, fp32 unit roundoff), however small the value itself
 * is after cancellation. Below |x| ≈ FLOOR_ULPS·u·scale / rtol a relative test would judge
 * rounding noise, so there the test becomes absolute: |a − b| ≤ rtol·atol = FLOOR_ULPS·u·scale,
 * i.e. "agree to within FLOOR_ULPS fp32 ulps of the tensor's scale". (The README's "atol ~1e-6·
 * scale" demands |a − b| ≤ 1e-11·scale for elements near zero — 1/6000 of an ulp — which two
 * fp32 computations that round differently need not meet; measured on 20→16→8→5, an element
 * of dW_1 1000× below the tensor's max differed by 0.3 ulp of the max between manual and
 * autodiff backprop, a relative error of 1.6e-5. The tests hold handgrad's kernels to that
 * stricter floor, ATOL_PER_SCALE, on inputs where they round as tfjs does; where a value is a
 * difference of larger terms they pass the terms' size as termScale.)
 *
 * Where the terms behind each element are known, the floor is sharpened per element to
 * FLOOR_ULPS·u·Σ|terms| (the standard forward-error bound for sums and dot products) and passed to
 * compareRow as `extraFloor`: |H_{l−1}|ᵀ·|G_l| for dW_l, 1ᵀ·|G_l| for db_l (src/reference/mlp64.ts),
 * |c|·(p̃ + y)/N for the cross-entropy gradient (src/checks/checks.ts, where p̃ also carries the
 * u·|z| error of exp(z − lse)). Finite-difference rows add the difference's own rounding error
 * (fdNoise). None of these depends on the values being compared, only on the inputs' sizes.
 */

/** fp32 unit roundoff u = 2⁻²⁴. */
export const FP32_UNIT_ROUNDOFF = 2 ** -24;
/** float64 unit roundoff. */
export const FP64_UNIT_ROUNDOFF = 2 ** -53;

export interface Tolerance {
  /** Short label printed in tables. */
  label: string;
  /** Largest allowed max rel error. */
  rtol: number;
  /** Absolute floor, in fp32 ulps of the compared tensor's scale (see above). */
  floorUlps: number;
}

/**
 * fp32 vs fp32 (our kernel vs tfjs's built-in; manual vs autodiff backprop). Both sides round
 * once per operation in the same precision, so they should agree to ~1e-5 relative (~100 u),
 * and to 4 ulps of the tensor's scale for elements produced by cancellation.
 */
export const FP32_VS_FP32: Tolerance = { label: 'fp32~fp32', rtol: 1e-5, floorUlps: 4 };

/**
 * fp32 vs the float64 reference, elementwise ops and short reductions (< 1000 terms): the fp32
 * side's error is a few u·√K relative for K-term sums; 1e-4 leaves room for K up to ~1000.
 * Same floor as fp32~fp32, scaled by √K of the longest reduction (computed by the caller with
 * floorFor) since rounding errors of a K-term sum grow like √K.
 */
export const FP32_VS_F64: Tolerance = { label: 'fp32~f64', rtol: 1e-4, floorUlps: 4 };

/**
 * fp32 vs float64 when the fp32 value comes out of a reduction over ≥ 1000 terms (e.g. the
 * 784→1000→10 net: Z sums 1000 products, R_1 sums 784): error ~ u·√K·(condition), 1e-3.
 */
export const FP32_VS_F64_REDUCTION: Tolerance = { label: 'fp32~f64 (sum≥1000)', rtol: 1e-3, floorUlps: 4 };

/** Reductions of at least this many terms use FP32_VS_F64_REDUCTION. */
export const LONG_REDUCTION = 1000;

/**
 * float64 analytic gradient vs float64 central differences (checks the reference itself).
 * Truncation error is O(h²) ≈ 1e-12 relative for h = 1e-6; rounding error is bounded separately
 * by fdNoise below. 1e-6 is far above both and far below any real mistake (O(1)).
 */
export const F64_VS_FD64: Tolerance = { label: 'f64~fd64', rtol: 1e-6, floorUlps: 0 };

/** FD step for float64 differences, relative to max(1, |x|). */
export const FD64_REL_EPS = 1e-6;

/** Picks fp32~f64 by the length of the longest reduction feeding the compared value. */
export function fp32VsF64For(longestReduction: number): Tolerance {
  return longestReduction >= LONG_REDUCTION ? FP32_VS_F64_REDUCTION : FP32_VS_F64;
}

/** The absolute floor rtol·atol for a tensor of the given scale (largest |value| on either side). */
export function absFloor(tol: Tolerance, scale: number, reductionTerms = 1): number {
  return tol.floorUlps * FP32_UNIT_ROUNDOFF * scale * Math.sqrt(Math.max(1, reductionTerms));
}

/**
 * Rounding error of a central difference (f⁺ − f⁻)/2h: f⁺ and f⁻ are each off by about
 * unit·√K·magnitude when f comes out of sums of up to K terms (rounding errors of a K-term sum
 * grow like √K), so the quotient by ≲ 2·unit·√K·magnitude/2h. Measured on the 784→1000→10 loss
 * (float64, K = 1000): the error of the differences scales as 1/h (6e-10 at h = 1e-6, 1e-8 at
 * h = 1e-7), i.e. it is this rounding term, not truncation. Used as an extra absolute floor.
 */
export function fdNoise(unit: number, magnitude: number, h: number, reductionTerms = 1): number {
  return (unit * Math.sqrt(Math.max(1, reductionTerms)) * magnitude) / h;
}

/** The README's absolute floor, as a share of the tensor's scale (the tests' fp32~fp32 and the worked examples' rows). */
export const ATOL_PER_SCALE = 1e-6;

/** Largest |value| among the finite values. */
function finiteScale(values: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) scale = Math.max(scale, Math.abs(values[i]));
  return scale;
}

/** The README's atol for comparing against `expected`: ATOL_PER_SCALE · max|expected|. */
export function atolFor(expected: ArrayLike<number>): number {
  return Math.max(ATOL_PER_SCALE * finiteScale(expected), 1e-30);
}

export interface RelativeErrorOptions {
  /** The absolute floor under the denominator; defaults to atolFor(expected). */
  atol?: number;
  /** Per element, the size of the terms the value is a difference of (a floor under its denominator). */
  termScale?: ArrayLike<number>;
  /** Equal non-finite values (NaN with NaN, ∞ with ∞) agree; by default any non-finite value gives NaN. */
  matchNonFinite?: boolean;
}

/**
 * max_i |a_i − b_i| / max(|a_i|, |b_i|, atol, termScale_i), the measure of every fixed tolerance
 * above. NaN (which fails every bound) when a value is not finite, unless matched (see options).
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, options: RelativeErrorOptions = {}): number {
  if (actual.length !== expected.length) return Number.NaN;
  const atol = options.atol ?? atolFor(expected);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (options.matchNonFinite === true && (a === b || (Number.isNaN(a) && Number.isNaN(b)))) continue;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.NaN;
    if (a === b) continue;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), atol, options.termScale?.[i] ?? 0));
  }
  return worst;
}

/**
 * The rounding noise of an fp32 function, measured rather than assumed: Moré & Wild's ECnoise
 * ("Estimating computational noise", SIAM J. Sci. Comput. 33(3), 2011).
 *
 * On m+1 equally spaced points t_j = j·δ along a line, a smooth φ has k-th differences
 * Δᵏφ ≈ δᵏ·φ⁽ᵏ⁾, which vanish fast as k grows when δ is tiny, while independent rounding errors
 * of standard deviation ν have k-th differences of variance ν²·C(2k, k). So
 *   σ_k = √(γ_k · mean((Δᵏφ)²)),  γ_k = (k!)² / (2k)!
 * estimates ν at every level k where noise dominates; three consecutive levels that agree within
 * a factor 4, with differences of both signs, are the sign that it does.
 */

export type NoiseInform = 'estimated' | 'constant' | 'no-plateau';

export interface NoiseEstimate {
  /** ν, the standard deviation of one evaluation's rounding error. */
  noise: number;
  /** estimated: a consistent plateau; constant: the values do not change at this spacing; no-plateau: the largest level, conservatively. */
  inform: NoiseInform;
}

/** ECnoise on values at equally spaced points (at least 4). */
export function ecnoise(values: readonly number[]): NoiseEstimate {
  const m = values.length - 1;
  if (m < 3) throw new Error(`ecnoise: needs at least 4 values, got ${values.length}`);
  let diffs = values.slice();
  const levels: number[] = [];
  const signChange: boolean[] = [];
  let gamma = 1;
  for (let k = 1; k <= m; k++) {
    const next = new Array<number>(diffs.length - 1);
    for (let i = 0; i < next.length; i++) next[i] = diffs[i + 1] - diffs[i];
    diffs = next;
    if (k === 1 && diffs.filter((d) => d === 0).length >= (m + 1) / 2) return { noise: 0, inform: 'constant' };
    gamma *= (0.5 * k) / (2 * k - 1);
    let sumSquares = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const d of diffs) {
      sumSquares += d * d;
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    levels.push(Math.sqrt((gamma * sumSquares) / diffs.length));
    signChange.push(min * max < 0);
  }
  for (let k = 0; k + 2 < levels.length; k++) {
    const window = levels.slice(k, k + 3);
    if (Math.max(...window) <= 4 * Math.min(...window) && signChange[k]) return { noise: levels[k], inform: 'estimated' };
  }
  // No plateau: the smooth part still shows at every level. Its largest level bounds the noise from above.
  return { noise: Math.max(...levels.slice(1)), inform: 'no-plateau' };
}

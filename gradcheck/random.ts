/** Seeded randomness for the checker (seedrandom: same numbers in Node and in the browser). */
import seedrandom from 'seedrandom';

export type Rng = () => number;

export function makeRng(seed: number, stream: string): Rng {
  return seedrandom(`handgrad-compare-${stream}-${seed}`);
}

/**
 * One standard normal draw by Box–Muller from two uniforms u1, u2 of `rng`: √(−2 ln u1) · cos(2π u2),
 * with u1 = 1 − rng() in (0, 1] so the logarithm is finite. The project's only normal sampler
 * (Xavier init, the worked examples, the checker), so one seed gives the same numbers everywhere.
 */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** n standard normal draws, rounded to fp32 so fp32 and float64 sides see equal values. */
export function normals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = standardNormal(rng);
  return out;
}

/** All indices of 0..total−1 when total ≤ max, else `max` distinct ones in increasing order. */
export function sampleIndices(total: number, max: number, rng: Rng): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  const chosen = new Set<number>();
  while (chosen.size < max) chosen.add(Math.floor(rng() * total));
  return [...chosen].sort((a, b) => a - b);
}

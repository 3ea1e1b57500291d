/** Seeded randomness for the checker (seedrandom: same numbers in Node and in the browser). */
import seedrandom from 'seedrandom';

export type Rng = () => number;

export function makeRng(seed: number, stream: string): Rng {
  return seedrandom(`handgrad-compare-${stream}-${seed}`);
}

/** n standard normal draws (Box–Muller), rounded to fp32 so fp32 and float64 sides see equal values. */
export function normals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return out;
}

/** All indices of 0..total−1 when total ≤ max, else `max` distinct ones in increasing order. */
export function sampleIndices(total: number, max: number, rng: Rng): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  const chosen = new Set<number>();
  while (chosen.size < max) chosen.add(Math.floor(rng() * total));
  return [...chosen].sort((a, b) => a - b);
}

/** The fp32 engine on its own: ECnoise, the line estimate (Richardson, step choice, tolerance) and the kink signature. */
import { describe, expect, it } from 'vitest';
import { ecnoise } from '../../gradcheck/fd32/noise.js';
import { DEFAULT_LINE_SETTINGS, estimateAlongLine, type LineProbe } from '../../gradcheck/fd32/line.js';
import { makeRng, normals } from '../../gradcheck/random.js';

/** φ(t) = f(t) rounded to fp32 (the "fp32 function"), analytic prediction slope·t. */
function probe(f: (t: number) => number, slope: number): LineProbe {
  return { evaluate: (t) => ({ value: Math.fround(f(t)), predicted: slope * t }) };
}

describe('ecnoise', () => {
  it('recovers the standard deviation of noise added to a smooth function (within a factor 2)', () => {
    const rng = makeRng(1, 'ecnoise-test');
    for (const sigma of [1e-8, 1e-5, 1e-2]) {
      const noise = normals(9, rng);
      const values = Array.from({ length: 9 }, (_, j) => Math.sin(1 + j * 1e-3) + sigma * noise[j]);
      const { noise: estimate, inform } = ecnoise(values);
      expect(inform).toBe('estimated');
      expect(estimate).toBeGreaterThan(sigma / 2);
      expect(estimate).toBeLessThan(sigma * 2);
    }
  });

  it('says "constant" when the values do not move', () => {
    expect(ecnoise([3, 3, 3, 3, 3, 3, 3, 3])).toEqual({ noise: 0, inform: 'constant' });
  });
});

describe('estimateAlongLine', () => {
  it('passes a correct derivative of an fp32-rounded function with a tolerance near fp32 resolution', () => {
    // φ(t) = exp(0.3 + t), φ′(0) = exp(0.3).
    const slope = Math.exp(0.3);
    const est = estimateAlongLine(probe((t) => Math.exp(0.3 + t), slope), Math.fround(Math.exp(0.3)), DEFAULT_LINE_SETTINGS);
    expect(est.finite).toBe(true);
    expect(est.pass).toBe(true);
    expect(Math.abs(est.residual)).toBeLessThan(est.tolerance);
    // The tolerance comes from the error estimate: about fp32's u^(6/7)-ish resolution, far below 1e-3.
    expect(est.tolerance / slope).toBeLessThan(1e-4);
    expect(est.tolerance / slope).toBeGreaterThan(1e-9);
    expect(est.kinkSignature).toBe(false);
  });

  it('fails a derivative off by 0.1 %', () => {
    const slope = Math.exp(0.3);
    const est = estimateAlongLine(probe((t) => Math.exp(0.3 + t), slope * 1.001), Math.fround(Math.exp(0.3)), DEFAULT_LINE_SETTINGS);
    expect(est.pass).toBe(false);
    expect(est.residual / slope).toBeCloseTo(-0.001, 5);
  });

  it('chooses a wider step for a nearly linear function than for a curved one', () => {
    const linear = estimateAlongLine(probe((t) => 2 + 0.5 * t + 1e-4 * t * t, 0.5), 2, DEFAULT_LINE_SETTINGS);
    const curved = estimateAlongLine(probe((t) => Math.exp(3 * t), 3), 1, DEFAULT_LINE_SETTINGS);
    expect(linear.pass && curved.pass).toBe(true);
    expect(linear.step).toBeGreaterThan(4 * curved.step);
  });

  it('sees a kink at t = 0 (|t|) that central differences alone would call slope 0', () => {
    const est = estimateAlongLine(probe((t) => 1 + Math.abs(t), 0), 1, DEFAULT_LINE_SETTINGS);
    expect(est.kinkSignature).toBe(true);
    // relu at 0 with the analytic 0: central differences say ½, so the residual is ½.
    const relu = estimateAlongLine(probe((t) => 1 + Math.max(0, t), 0), 1, DEFAULT_LINE_SETTINGS);
    expect(relu.kinkSignature).toBe(true);
    expect(relu.residual).toBeCloseTo(0.5, 6);
  });

  it('reports a function that is nowhere finite as not finite, never as a pass', () => {
    const est = estimateAlongLine(probe(() => Number.NaN, 1), 1, DEFAULT_LINE_SETTINGS);
    expect(est.finite).toBe(false);
    expect(est.pass).toBe(false);
  });
});

describe('estimateAlongLine with a prefetching probe', () => {
  /** probe(f, slope) that records the points prefetched (per call) and the points evaluated. */
  function recording(f: (t: number) => number, slope: number): { probe: LineProbe; batches: number[][]; used: number[] } {
    const inner = probe(f, slope);
    const batches: number[][] = [];
    const used: number[] = [];
    return {
      probe: {
        evaluate: (t) => {
          used.push(t);
          return inner.evaluate(t);
        },
        prefetch: (ts) => void batches.push([...ts]),
      },
      batches,
      used,
    };
  }
  const lines: [string, (t: number) => number, number, number][] = [
    ['exp', (t) => Math.exp(0.3 + t), Math.exp(0.3), Math.fround(Math.exp(0.3))],
    ['nearly linear', (t) => 2 + 0.5 * t + 1e-4 * t * t, 0.5, 2],
    ['|t|', (t) => 1 + Math.abs(t), 0, 1],
    ['curved', (t) => Math.exp(3 * t), 3, 1],
  ];

  it.each(lines)('gives the estimate of the plain probe at any lookahead (%s), and asks ahead for every point it uses', (_, f, slope, value0) => {
    const plain = estimateAlongLine(probe(f, slope), value0, DEFAULT_LINE_SETTINGS);
    for (const lookahead of [0, 4]) {
      const { probe: p, batches, used } = recording(f, slope);
      expect(estimateAlongLine(p, value0, { ...DEFAULT_LINE_SETTINGS, lookahead })).toEqual(plain);
      const fetched = new Set(batches.flat());
      expect(used.filter((t) => !fetched.has(t))).toEqual([]);
      // At lookahead 0 nothing is fetched that is not used: no evaluation is wasted.
      if (lookahead === 0) expect([...fetched].filter((t) => !used.includes(t))).toEqual([]);
    }
  });

  it('reads the points of a whole line in a few batches (the first holds both noise sides and six levels)', () => {
    const { probe: p, batches, used } = recording((t) => Math.exp(0.3 + t), Math.exp(0.3));
    estimateAlongLine(p, Math.fround(Math.exp(0.3)), { ...DEFAULT_LINE_SETTINGS, lookahead: 4 });
    expect(new Set(batches[0]).size).toBe(24); // 16 noise points and 12 level points, 4 of them shared
    expect(batches.filter((b) => b.length > 0).length).toBeLessThanOrEqual(3);
    expect(used.length).toBeGreaterThan(24);
  });
});

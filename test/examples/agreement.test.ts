import { describe, expect, it } from 'vitest';
import { exactRow, maxRelativeError, numericRow } from '../../src/examples/agreement.js';

describe('example row comparisons', () => {
  it('measures |a − b| / max(|a|, |b|, atol) elementwise', () => {
    expect(maxRelativeError(1.0001, 1, 1e-6)).toBeCloseTo(1e-4 / 1.0001, 12);
    expect(maxRelativeError([[0, 2]], [[1e-9, 2]], 1e-6)).toBeCloseTo(1e-3, 8);
    expect(maxRelativeError([1, 2], [1, 2, 3], 1e-6)).toBe(Infinity);
    expect(maxRelativeError(Number.NaN, 1, 1e-6)).toBe(Infinity);
  });

  it('a numeric row matches only when every column is within tolerance', () => {
    expect(numericRow('T1', 'z', 0.62, 0.62, { a: 0.62000001 }, 1e-4).match).toBe(true);
    const bad = numericRow('T1', 'z', 0.62, 0.62, { a: 0.62, b: 0.63 }, 1e-4);
    expect(bad.match).toBe(false);
    expect(bad.errors['autodiff b']).toBeCloseTo(0.01 / 0.63, 8);
  });

  it('an exact row rejects a different shape', () => {
    expect(exactRow('T2', 'A', [32, 1024], [32, 1024], { s: [32, 1024] }).match).toBe(true);
    expect(exactRow('T2', 'A', [32, 1024], [1024, 32], { s: [32, 1024] }).match).toBe(false);
    expect(exactRow('T3', 'n', 557057, 557056, {}).match).toBe(false);
  });
});

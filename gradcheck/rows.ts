/** One row of a check table, and the element-wise comparison behind it. */
import { absFloor, type Tolerance } from './tolerances.js';

export interface CheckRow {
  /** What was compared, e.g. "ManualRelu ∂/∂x" or "W1". */
  name: string;
  /** The comparison, e.g. "grad vs tf.grad", "manual vs fd64". */
  kind: string;
  maxAbsErr: number;
  /** max |a − b| / max(|a|, |b|, atol); see gradcheck/tolerances.ts. */
  maxRelErr: number;
  /** The rtol this row must meet. */
  tol: number;
  pass: boolean;
  /** Elements compared (a sample for large tensors) … */
  checked: number;
  /** … out of this many. */
  total: number;
  /** The numeric side's estimated error, relative (fp32 finite differences without a reference). */
  errorEstimate?: number;
  /** Failing coordinates, when they could be named. */
  failing?: string;
  /** Anything the row's numbers do not say (kinks re-checked, coverage). */
  note?: string;
}

export interface CompareOptions {
  /** The compared tensor's scale; defaults to the largest |value| in either array. */
  scale?: number;
  /** Terms in the longest fp32 reduction behind each value (widens the absolute floor by √K). */
  reductionTerms?: number;
  /** Extra per-element absolute floor (e.g. the finite difference's own rounding error). */
  extraFloor?: ArrayLike<number>;
  /** Size of the full tensor when `actual`/`expected` hold a sample of it. */
  total?: number;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** Compares `actual` to `expected` element by element under `tol`. NaN or ±Infinity anywhere fails. */
export function compareRow(name: string, kind: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, options: CompareOptions = {}): CheckRow {
  if (actual.length !== expected.length) throw new Error(`compareRow(${name}): ${actual.length} values vs ${expected.length}`);
  const scale = options.scale ?? Math.max(maxAbs(actual), maxAbs(expected));
  const floor = absFloor(tol, scale, options.reductionTerms);
  let maxAbsErr = 0;
  let maxRelErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      maxAbsErr = Number.POSITIVE_INFINITY;
      maxRelErr = Number.POSITIVE_INFINITY;
      break;
    }
    const err = Math.abs(a - b);
    const atol = Math.max(floor, options.extraFloor?.[i] ?? 0) / tol.rtol;
    const denominator = Math.max(Math.abs(a), Math.abs(b), atol);
    maxAbsErr = Math.max(maxAbsErr, err);
    if (err > 0) maxRelErr = Math.max(maxRelErr, denominator > 0 ? err / denominator : Number.POSITIVE_INFINITY);
  }
  return { name, kind, maxAbsErr, maxRelErr, tol: tol.rtol, pass: maxRelErr <= tol.rtol, checked: actual.length, total: options.total ?? actual.length };
}

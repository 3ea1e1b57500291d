/** gradcheck's structured result, its table rows, and the error `raise` throws. */
import type { CheckRow } from './rows.js';

export type CheckMode = 'fast' | 'per-coordinate' | 'float64';

/** What gradcheck found for one differentiated input. */
export interface InputResult {
  /** Row name, e.g. "softplus ∂/∂x". */
  name: string;
  /** Position among fn's inputs. */
  index: number;
  shape: number[];
  mode: CheckMode;
  /** Largest |numeric − analytic| over the checked quantities, per unit-norm direction (a coordinate: in gradient units). */
  maxAbsErr: number;
  /** Largest |numeric − analytic| / max(|numeric|, |analytic|, tolerance). */
  maxRelErr: number;
  /** The estimated error of the numeric side, relative, at the quantity closest to failing. */
  errorEstimate: number;
  /** The tolerance (relative) at that quantity: tolerance = SAFETY × error estimate + the analytic side's rounding. */
  tol: number;
  /** Largest error / tolerance over the quantities (≤ 1 passes). */
  worstRatio: number;
  /**
   * The largest error in a single coordinate, as a fraction of max|g|, that the checks covering
   * this input could have missed (fast mode refines down to options.resolution).
   */
  resolution: number;
  /** Coordinates covered by a finished check, out of total. */
  checked: number;
  total: number;
  /** Flat (row-major) indices of coordinates that fail on their own, and the same as multi-indices. */
  failingIndices: number[];
  failingCoordinates: number[][];
  /** False when localisation stopped early (maxFailing or the evaluation budget): more may fail. */
  failingComplete: boolean;
  /** fp32 modes: tfjs's value and the extrapolated difference at each failing coordinate that was checked on its own. */
  failingValues?: { index: number; analytic: number; numeric: number }[];
  /** Lines re-checked beyond a kink, and lines left unchecked (not differentiable, or not finite, near x). */
  kinks: number;
  nondifferentiable: number;
  notFinite: number;
  /** Evaluations of fn spent on this input. */
  evaluations: number;
  pass: boolean;
  notes: string[];
}

export interface GradcheckResult {
  name: string;
  /** Every input passes (and the forward row, with a float64 reference). */
  pass: boolean;
  inputs: InputResult[];
  /** fn vs the float64 reference, when one was given. */
  forward?: CheckRow;
  /** The same as table rows (one per input, the forward row first). */
  rows: CheckRow[];
  /** Forward evaluations of fn and backward passes through its gradients, in total. */
  evaluations: number;
  backwardPasses: number;
  /** A problem that stopped the check (the backward pass threw, say); then pass is false. */
  error?: string;
}

/** Converts an index into a multi-index for `shape` (row-major). */
export function unravelIndex(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return out;
}

export function inputRow(input: InputResult, kind: string): CheckRow {
  return {
    name: input.name,
    kind,
    maxAbsErr: input.maxAbsErr,
    maxRelErr: input.maxRelErr,
    tol: input.tol,
    pass: input.pass,
    checked: input.checked,
    total: input.total,
    errorEstimate: input.mode === 'float64' ? undefined : input.errorEstimate,
    failing: input.failingCoordinates.length > 0 ? `${input.failingCoordinates.map((c) => `[${c.join(',')}]`).join(' ')}${input.failingComplete ? '' : ' …'}` : undefined,
    note: input.notes.length > 0 ? input.notes.join('; ') : undefined,
  };
}

/** Thrown by gradcheck / gradgradcheck / opcheck with `raise: true` when a check fails. */
export class GradcheckError extends Error {
  readonly result: unknown;
  constructor(message: string, result: unknown) {
    super(message);
    this.name = 'GradcheckError';
    this.result = result;
  }
}

/** One line per failing input: what failed and where. */
export function describeFailures(result: GradcheckResult): string {
  if (result.error !== undefined) return `${result.name}: ${result.error}`;
  const lines = result.inputs
    .filter((i) => !i.pass)
    .map((i) => {
      const where = i.failingCoordinates.length > 0 ? ` at ${i.failingCoordinates.slice(0, 8).map((c) => `[${c.join(',')}]`).join(' ')}${i.failingCoordinates.length > 8 || !i.failingComplete ? ' …' : ''}` : '';
      return `${i.name}: rel err ${i.maxRelErr.toExponential(2)} > tol ${i.tol.toExponential(2)}${where}`;
    });
  if (result.forward !== undefined && !result.forward.pass) lines.unshift(`${result.forward.name} forward: rel err ${result.forward.maxRelErr.toExponential(2)} > ${result.forward.tol}`);
  return `gradcheck ${result.name} failed: ${lines.join('; ')}`;
}

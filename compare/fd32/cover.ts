/**
 * Covering one input's coordinates with fp32 line checks (line.ts): the fast mode, the
 * per-coordinate mode, localisation of failing coordinates, and kinks.
 *
 * Fast mode (PyTorch's fast_mode, uᵀJv): φ(t) = f(x + t·w·s) along Rademacher directions s
 * (every |s_i| = 1, so one wrong coordinate moves uᵀJv by its whole error) checks every
 * coordinate at once for ~20 evaluations of f. When a direction fails, the coordinates are
 * bisected — each half checked along the same signs — down to leaves of a few coordinates,
 * which are checked one by one; the coordinates that fail there are named. A full
 * per-coordinate sweep is never needed to find one bad entry among 10⁶.
 *
 * Kinks (relu at 0, ties in max, |x| at 0): a line whose one-sided slopes disagree is checked
 * again at two points beyond the kink, with the analytic gradient recomputed there; it passes
 * when both pass, fails when one fails without a kink of its own, and is reported as not
 * differentiable (never a failure) otherwise. A direction that keeps meeting
 * kinks (relu over many elements) is split like a failing one until the pieces are smooth.
 */
import { makeRng, normals } from '../random.js';
import { FP32_UNIT_ROUNDOFF } from '../tolerances.js';
import { DEFAULT_LINE_SETTINGS, estimateAlongLine, type LineEstimate, type LineProbe, type LineSettings } from './line.js';
import type { Scalarized } from './scalarize.js';

/**
 * The analytic gradient's own fp32 rounding along a line: each g_i is taken to be off by up to
 * ANALYTIC_ULPS·u·(|g_i| + max|g|) — a few ulps of the element plus a few of the tensor's scale,
 * for elements that come out of cancellation — and with the random signs of s these add like a
 * random walk: ANALYTIC_ULPS·u·w·√Σ(|g_i| + max|g|)².
 */
export const ANALYTIC_ULPS = 32;

export type LineOutcome = 'pass' | 'fail' | 'kink-pass' | 'nondifferentiable' | 'not-finite';

/** One finished line check, in units of a unit-norm direction (errors comparable across sizes). */
export interface LineCheck {
  /** Coordinates [lo, hi) of the flat input the line moves. */
  lo: number;
  hi: number;
  kind: 'direction' | 'coordinate';
  outcome: LineOutcome;
  /** g·v̂ and the extrapolated numeric value, v̂ = v/‖v‖. */
  analytic: number;
  numeric: number;
  /** |numeric − analytic|, the estimated error of numeric, the tolerance (all per unit-norm direction). */
  error: number;
  errorEstimate: number;
  tolerance: number;
  /** Chosen step, in units of the input's scale w. */
  step: number;
  evaluations: number;
}

export interface CoverSettings {
  mode: 'fast' | 'per-coordinate';
  /** Random directions for the whole input in fast mode. */
  directions: number;
  /** Ranges at most this long are checked coordinate by coordinate. */
  leafSize: number;
  /** Stop localising after naming this many failing coordinates. */
  maxFailing: number;
  /** Stop starting new line checks on this input after this many evaluations of f. */
  maxEvaluations: number;
  /** per-coordinate mode: these coordinates only (default every one). */
  coordinates?: readonly number[];
  line: Omit<LineSettings, 'analyticFloor'>;
}

export const DEFAULT_COVER_SETTINGS: CoverSettings = {
  mode: 'fast',
  directions: 2,
  leafSize: 8,
  maxFailing: 16,
  maxEvaluations: 200_000,
  line: DEFAULT_LINE_SETTINGS,
};

export interface InputCoverage {
  checks: LineCheck[];
  /** Coordinates covered by a finished check (pass, kink-pass or a failing coordinate). */
  checked: number;
  failingIndices: number[];
  /** False when localisation stopped at maxFailing or the evaluation budget. */
  failingComplete: boolean;
  /** Lines re-checked beyond a kink, and lines left unchecked because f is not differentiable (or finite) near x. */
  kinks: number;
  nondifferentiable: number;
  notFinite: number;
  /** The whole-input verdict: no line failed. */
  pass: boolean;
  notes: string[];
}

/** Root-mean-square of the values, or 1 for an all-zero input: the unit of every step. */
export function inputScale(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const rms = Math.sqrt(s / Math.max(1, x.length));
  return rms > 0 && Number.isFinite(rms) ? rms : 1;
}

/** Rademacher signs for n coordinates from rng. */
export function rademacher(n: number, rng: () => number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = rng() < 0.5 ? -1 : 1;
  return s;
}

interface Line {
  lo: number;
  hi: number;
  /** Signs over the input, or undefined for a single coordinate (sign +1). */
  signs: Float32Array | undefined;
}

export function coverInput(f: Scalarized, k: number, g: Float32Array, signs: Float32Array[], settings: CoverSettings): InputCoverage {
  const x = f.base[k];
  const n = x.length;
  const w = inputScale(x);
  const startEvaluations = f.counts.evaluations;
  const checks: LineCheck[] = [];
  const failing: number[] = [];
  let checked = 0;
  let failingComplete = true;
  let kinks = 0;
  let nondifferentiable = 0;
  let notFinite = 0;
  const notes: string[] = [];

  const signOf = (line: Line, i: number): number => (line.signs === undefined ? 1 : line.signs[i]);

  const probe = (line: Line, base: Float32Array, grad: Float32Array): LineProbe => {
    const work = Float32Array.from(base);
    return {
      evaluate(t) {
        let predicted = 0;
        for (let i = line.lo; i < line.hi; i++) {
          work[i] = base[i] + t * w * signOf(line, i);
          predicted += grad[i] * (work[i] - base[i]);
        }
        const value = f.valueWith(k, work);
        for (let i = line.lo; i < line.hi; i++) work[i] = base[i];
        return { value, predicted };
      },
    };
  };

  const analyticFloor = (line: Line, grad: Float32Array): number => {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(grad[i]));
    let s = 0;
    for (let i = line.lo; i < line.hi; i++) s += (Math.abs(grad[i]) + gmax) ** 2;
    return ANALYTIC_ULPS * FP32_UNIT_ROUNDOFF * w * Math.sqrt(s);
  };

  const along = (line: Line, grad: Float32Array): number => {
    let a = 0;
    for (let i = line.lo; i < line.hi; i++) a += grad[i] * w * signOf(line, i);
    return a;
  };

  const estimate = (line: Line, base: Float32Array, grad: Float32Array, value0: number, firstStep: number): LineEstimate =>
    estimateAlongLine(probe(line, base, grad), value0, { ...settings.line, firstStep, analyticFloor: analyticFloor(line, grad) });

  /** The check at base, then — for a failing line with a kink signature — at base ± d·v. */
  const checkLine = (line: Line): LineCheck => {
    const before = f.counts.evaluations;
    const norm = w * Math.sqrt(line.hi - line.lo);
    const record = (outcome: LineOutcome, est: LineEstimate, grad: Float32Array): LineCheck => {
      const analytic = along(line, grad) / norm;
      const residual = Number.isFinite(est.residual) ? est.residual / norm : Number.NaN;
      return {
        lo: line.lo,
        hi: line.hi,
        kind: line.signs === undefined ? 'coordinate' : 'direction',
        outcome,
        analytic,
        numeric: analytic + residual,
        error: Math.abs(residual),
        errorEstimate: est.errorEstimate / norm,
        tolerance: est.tolerance / norm,
        step: est.step,
        evaluations: f.counts.evaluations - before,
      };
    };
    const est = estimate(line, x, g, f.value0, settings.line.firstStep);
    if (!est.finite) return record('not-finite', est, g);
    if (est.pass && !est.kinkSignature) return record('pass', est, g);
    // A kink within the chosen window (|t| ≤ 4h) makes any verdict there meaningless, a pass
    // included (its tolerance is inflated by the kink); and a failure may come from x itself
    // being a point where f is not differentiable, which a line through it need not show (along
    // s with s_a = s_b, max stays tied and smooth, while tfjs's gradient at the tie counts both).
    // Either way the line is checked again at x ± d·u, d = 16h, with steps ≤ 4h: a real error
    // persists there, an artefact of the point does not. u is v itself for one coordinate; for a
    // direction it is a fresh normal vector over the same coordinates, which breaks ties.
    const d = 16 * est.step;
    const shift = line.signs === undefined ? undefined : normals(line.hi - line.lo, makeRng(line.lo * 7919 + line.hi, `kink-shift-${k}`));
    let worst: { est: LineEstimate; grad: Float32Array } | undefined;
    let sidesPassed = 0;
    for (const side of [1, -1]) {
      const shifted = Float32Array.from(x);
      for (let i = line.lo; i < line.hi; i++) shifted[i] = x[i] + side * d * w * (shift === undefined ? 1 : shift[i - line.lo]);
      let grad: Float32Array;
      try {
        grad = f.gradientsWith([k], { k, values: shifted })[0];
      } catch {
        continue;
      }
      const value0 = f.valueWith(k, shifted);
      const again = estimate(line, shifted, grad, value0, 4 * est.step);
      if (again.finite && again.pass && !again.kinkSignature) {
        sidesPassed++;
        if (worst === undefined) worst = { est: again, grad };
      } else if (again.finite && !again.kinkSignature) {
        return record('fail', again, grad);
      }
    }
    if (sidesPassed === 2 && worst !== undefined) {
      kinks++;
      return record('kink-pass', worst.est, worst.grad);
    }
    nondifferentiable++;
    return record('nondifferentiable', est, g);
  };

  const budgetLeft = (): boolean => f.counts.evaluations - startEvaluations < settings.maxEvaluations;

  const finish = (check: LineCheck): LineCheck => {
    checks.push(check);
    if (check.outcome === 'not-finite') notFinite++;
    return check;
  };

  const checkCoordinate = (i: number): void => {
    const check = finish(checkLine({ lo: i, hi: i + 1, signs: undefined }));
    if (check.outcome === 'fail') failing.push(i);
    if (check.outcome === 'pass' || check.outcome === 'kink-pass' || check.outcome === 'fail') checked++;
  };

  /** Bisects [lo, hi) along `s` until the checks pass or the leaves are checked one by one. */
  const localise = (lo: number, hi: number, s: Float32Array): void => {
    if (failing.length >= settings.maxFailing || !budgetLeft()) {
      failingComplete = false;
      return;
    }
    if (hi - lo <= settings.leafSize) {
      for (let i = lo; i < hi; i++) {
        if (failing.length >= settings.maxFailing || !budgetLeft()) {
          failingComplete = false;
          return;
        }
        checkCoordinate(i);
      }
      return;
    }
    const check = finish(checkLine({ lo, hi, signs: s }));
    if (check.outcome === 'pass' || check.outcome === 'kink-pass') {
      checked += hi - lo;
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    localise(lo, mid, s);
    localise(mid, hi, s);
  };

  let pass: boolean;
  if (settings.mode === 'per-coordinate') {
    for (const i of settings.coordinates ?? Array.from({ length: n }, (_, j) => j)) {
      if (!budgetLeft()) {
        notes.push(`evaluation budget (${settings.maxEvaluations}) spent: ${checked} of ${n} coordinates checked`);
        break;
      }
      checkCoordinate(i);
    }
    pass = failing.length === 0;
  } else {
    const roots = signs.map((s) => finish(checkLine({ lo: 0, hi: n, signs: s })));
    const failed = roots.findIndex((c) => c.outcome === 'fail');
    const unresolved = roots.findIndex((c) => c.outcome === 'nondifferentiable' || c.outcome === 'not-finite');
    pass = failed < 0;
    if (failed < 0 && unresolved < 0) {
      checked = n;
    } else {
      const s = signs[failed >= 0 ? failed : unresolved];
      if (failed < 0) notes.push('not differentiable (or not finite) along whole-input directions: checked piecewise');
      const mid = Math.floor(n / 2);
      if (n <= settings.leafSize) for (let i = 0; i < n; i++) checkCoordinate(i);
      else {
        localise(0, mid, s);
        localise(mid, n, s);
      }
      // A piecewise check may fail where the whole-input directions could not say.
      if (failing.length > 0 || checks.some((c) => c.outcome === 'fail')) pass = false;
      if (failed >= 0 && failing.length === 0) notes.push('no single coordinate fails on its own: the error is spread over many (a scale or a missing term)');
    }
  }
  if (!failingComplete) notes.push(`localisation stopped after ${failing.length} failing coordinates`);
  return { checks, checked, failingIndices: failing.sort((a, b) => a - b), failingComplete, kinks, nondifferentiable, notFinite, pass, notes };
}

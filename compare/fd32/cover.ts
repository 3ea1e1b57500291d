/**
 * Covering one input's coordinates with fp32 line checks (line.ts): the fast mode, the
 * per-coordinate mode, localisation of failing coordinates, and kinks.
 *
 * Fast mode (PyTorch's fast_mode, uᵀJv): φ(t) = f(x + t·w·s) along Rademacher directions s
 * (every |s_i| = 1, so one wrong coordinate moves uᵀJv by its whole error) checks every
 * coordinate at once for ~30 evaluations of f. Each line also says how small an error in one
 * coordinate it would still see (its resolution: tolerance × √m ÷ max|g| for m coordinates).
 *  - When a direction fails, its coordinates are bisected — each half checked along the same
 *    signs — down to a few, which are checked one by one; those that fail are named. Finding one
 *    bad entry among 10⁶ takes ~40 line checks, not 10⁶.
 *  - When the directions pass but resolve coarser than settings.resolution (a large input whose
 *    f sums many rounded outputs), the input is split into blocks along the axis whose block
 *    checks resolve best (tried once per axis: for a weight W in x·W, blocks of columns move
 *    fewer outputs, so less rounding noise, and allow wider steps), and blocks that still fall
 *    short are split again.
 *
 * Kinks (relu at 0, ties in max, |x| at 0): a line whose one-sided slopes disagree is checked
 * again at two points beyond the kink, with the analytic gradient recomputed there; it passes
 * when both pass, fails when one fails without a kink of its own, and is reported as not
 * differentiable (never a failure) otherwise. A direction that keeps meeting kinks (relu over
 * many elements) is split like a failing one until the pieces are smooth.
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

/**
 * A line resolves `resolution` when an error of that size in one coordinate exceeds its
 * tolerance by this factor, so that such an error fails whatever the line's own residual noise.
 */
export const RESOLUTION_MARGIN = 1.25;
/** Blocks per axis when an input is first split for resolution, and most pieces of a later split. */
const MAX_PIECES = 32;

export type LineOutcome = 'pass' | 'fail' | 'kink-pass' | 'nondifferentiable' | 'not-finite';

/** One finished line check, in units of a unit-norm direction (errors comparable across sizes). */
export interface LineCheck {
  /** Coordinates the line moves, and for a one-coordinate line its flat index. */
  size: number;
  index: number | undefined;
  kind: 'direction' | 'coordinate';
  /** root: a whole-input direction; range: part of the input (guides, never decides alone); coordinate. */
  role: 'root' | 'range' | 'coordinate';
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
  /** Sets of at most this many coordinates are checked coordinate by coordinate. */
  leafSize: number;
  /** Stop localising after naming this many failing coordinates. */
  maxFailing: number;
  /** Stop starting new line checks on this input after this many evaluations of f. */
  maxEvaluations: number;
  /**
   * Fast mode: split passing lines until a single coordinate off by this fraction of max|g|
   * would fail (Infinity: whole-input directions only).
   */
  resolution: number;
  /** per-coordinate mode: these coordinates only (default every one). */
  coordinates?: readonly number[];
  line: Omit<LineSettings, 'analyticFloor'>;
}

export const DEFAULT_COVER_SETTINGS: CoverSettings = {
  mode: 'fast',
  directions: 2,
  leafSize: 8,
  maxFailing: 16,
  maxEvaluations: 20_000,
  resolution: 1e-2,
  line: DEFAULT_LINE_SETTINGS,
};

export interface InputCoverage {
  checks: LineCheck[];
  /** Coordinates covered by a finished check (pass, kink-pass or a failing coordinate). */
  checked: number;
  /**
   * The largest single-coordinate error, as a fraction of max|g|, that could have escaped the
   * checks finally covering the input (fast mode refines until it is at most settings.resolution).
   */
  resolution: number;
  failingIndices: number[];
  /** False when localisation stopped at maxFailing or the evaluation budget. */
  failingComplete: boolean;
  /** Lines re-checked beyond a kink, and lines left unchecked because f is not differentiable (or finite) near x. */
  kinks: number;
  nondifferentiable: number;
  notFinite: number;
  /** The whole-input verdict: no whole-input line and no coordinate failed. */
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

/** The coordinates a line moves (sorted flat indices), and their signs (undefined: one coordinate, +1). */
interface Line {
  indices: Int32Array;
  signs: Float32Array | undefined;
}

/** The flat indices whose coordinate along `axis` lies in [from, to). */
function axisBlock(shape: readonly number[], axis: number, from: number, to: number): Int32Array {
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const d = shape[axis];
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array((n / d) * (to - from));
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / stride) % d;
    if (c >= from && c < to) out[m++] = i;
  }
  return out;
}

/** `count` nearly equal consecutive pieces of `indices`. */
function slices(indices: Int32Array, count: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let p = 0; p < count; p++) {
    const piece = indices.subarray(Math.floor((indices.length * p) / count), Math.floor((indices.length * (p + 1)) / count));
    if (piece.length > 0) out.push(piece);
  }
  return out;
}

/** What every line of one input shares: the function, which input, its step unit w and the line settings. */
type LineContext = { f: Scalarized; k: number; w: number; settings: CoverSettings['line'] };

function signOf(line: Line, i: number): number {
  return line.signs === undefined ? 1 : line.signs[i];
}

/** f along x(t) = base + t·w·s over the line's coordinates, with the first-order prediction from `grad`. */
function lineProbe({ f, k, w }: LineContext, line: Line, base: Float32Array, grad: Float32Array): LineProbe {
  const work = Float32Array.from(base);
  return {
    evaluate(t) {
      let predicted = 0;
      for (const i of line.indices) {
        work[i] = base[i] + t * w * signOf(line, i);
        predicted += grad[i] * (work[i] - base[i]);
      }
      const value = f.valueWith(k, work);
      for (const i of line.indices) work[i] = base[i];
      return { value, predicted };
    },
  };
}

/** The rounding of the analytic side's directional derivative: ANALYTIC_ULPS·u·w·‖|g_line| + max|g|‖. */
function analyticFloor({ w }: LineContext, line: Line, grad: Float32Array): number {
  let largest = 0;
  for (const v of grad) largest = Math.max(largest, Math.abs(v));
  let s = 0;
  for (const i of line.indices) s += (Math.abs(grad[i]) + largest) ** 2;
  return ANALYTIC_ULPS * FP32_UNIT_ROUNDOFF * w * Math.sqrt(s);
}

/** The analytic directional derivative gᵀ(w·s) along the line. */
function alongLine({ w }: LineContext, line: Line, grad: Float32Array): number {
  let a = 0;
  for (const i of line.indices) a += grad[i] * w * signOf(line, i);
  return a;
}

function estimateLine(context: LineContext, line: Line, base: Float32Array, grad: Float32Array, value0: number, firstStep: number): LineEstimate {
  return estimateAlongLine(lineProbe(context, line, base, grad), value0, { ...context.settings, firstStep, analyticFloor: analyticFloor(context, line, grad) });
}

/**
 * A kink within the chosen window (|t| ≤ 4h) makes any verdict there meaningless, a pass
 * included (its tolerance is inflated by the kink); and a failure may come from x itself
 * being a point where f is not differentiable, which a line through it need not show (along
 * s with s_a = s_b, max stays tied and smooth, while tfjs's gradient at the tie counts both).
 * Either way the line is checked again at x ± d·u, d = 16h, with steps ≤ 4h: a real error
 * persists there, an artefact of the point does not. (Failures without a kink signature are
 * re-checked on whole-input lines only; below them a real error has already been confirmed.)
 * u is v itself for one coordinate; for a direction it is a fresh normal vector over the
 * same coordinates, which breaks ties. Returns the verdict and the estimate that decided it,
 * or undefined when neither side decides (not differentiable near x).
 */
function recheckAwayFromKink(
  context: LineContext,
  line: Line,
  est: LineEstimate,
): { outcome: 'fail' | 'kink-pass'; est: LineEstimate; grad: Float32Array } | undefined {
  const { f, k, w } = context;
  const x = f.base[k];
  const m = line.indices.length;
  const d = 16 * est.step;
  const shift = line.signs === undefined ? undefined : normals(m, makeRng(line.indices[0] * 7919 + m, `kink-shift-${k}`));
  let passed: { est: LineEstimate; grad: Float32Array } | undefined;
  let sidesPassed = 0;
  for (const side of [1, -1]) {
    const shifted = Float32Array.from(x);
    line.indices.forEach((i, j) => (shifted[i] = x[i] + side * d * w * (shift === undefined ? 1 : shift[j])));
    let grad: Float32Array;
    try {
      grad = f.gradientsWith([k], { k, values: shifted })[0];
    } catch {
      continue;
    }
    const again = estimateLine(context, line, shifted, grad, f.valueWith(k, shifted), 4 * est.step);
    if (again.finite && again.pass && !again.kinkSignature) {
      sidesPassed++;
      passed ??= { est: again, grad };
    } else if (again.finite && !again.kinkSignature) {
      return { outcome: 'fail', est: again, grad };
    }
  }
  return sidesPassed === 2 && passed !== undefined ? { outcome: 'kink-pass', ...passed } : undefined;
}

export function coverInput(f: Scalarized, k: number, g: Float32Array, signs: Float32Array[], settings: CoverSettings): InputCoverage {
  const x = f.base[k];
  const shape = f.shapes[k];
  const n = x.length;
  const w = inputScale(x);
  const startEvaluations = f.counts.evaluations;
  const checks: LineCheck[] = [];
  const failing: number[] = [];
  let failingComplete = true;
  let kinks = 0;
  let nondifferentiable = 0;
  let notFinite = 0;
  let unconfirmed = 0;
  const notes: string[] = [];
  const all = Int32Array.from({ length: n }, (_, i) => i);
  let gmax = 0;
  for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]));

  const lineAt: LineContext = { f, k, w, settings: settings.line };

  /**
   * The check at base, then — for a line with a kink signature, or a failing whole-input line —
   * again at two points a short way off.
   */
  const checkLine = (line: Line, recheckFailures: boolean): LineCheck => {
    const before = f.counts.evaluations;
    const m = line.indices.length;
    const norm = w * Math.sqrt(m);
    const record = (outcome: LineOutcome, est: LineEstimate, grad: Float32Array): LineCheck => {
      const analytic = alongLine(lineAt, line, grad) / norm;
      const residual = Number.isFinite(est.residual) ? est.residual / norm : Number.NaN;
      const check: LineCheck = {
        size: m,
        index: line.signs === undefined ? line.indices[0] : undefined,
        kind: line.signs === undefined ? 'coordinate' : 'direction',
        role: line.signs === undefined ? 'coordinate' : m === n ? 'root' : 'range',
        outcome,
        analytic,
        numeric: analytic + residual,
        error: Math.abs(residual),
        errorEstimate: est.errorEstimate / norm,
        tolerance: est.tolerance / norm,
        step: est.step,
        evaluations: f.counts.evaluations - before,
      };
      checks.push(check);
      if (outcome === 'not-finite') notFinite++;
      if (outcome === 'nondifferentiable') nondifferentiable++;
      if (outcome === 'kink-pass') kinks++;
      return check;
    };
    const est = estimateLine(lineAt, line, x, g, f.value0, settings.line.firstStep);
    if (!est.finite) return record('not-finite', est, g);
    if (est.pass && !est.kinkSignature) return record('pass', est, g);
    if (!est.kinkSignature && !recheckFailures) return record('fail', est, g);
    const decided = recheckAwayFromKink(lineAt, line, est);
    return decided === undefined ? record('nondifferentiable', est, g) : record(decided.outcome, decided.est, decided.grad);
  };

  const budgetLeft = (): boolean => f.counts.evaluations - startEvaluations < settings.maxEvaluations;
  const stop = (): boolean => failing.length >= settings.maxFailing || !budgetLeft();
  /** Coordinates covered by a finished check. */
  const covered = new Uint8Array(n);
  const cover = (indices: Int32Array): void => {
    for (const i of indices) covered[i] = 1;
  };
  /** The largest single-coordinate error (÷ max|g|) that the lines finally covering the input could miss. */
  let resolution = 0;
  /** A line's tolerance as the smallest single-coordinate error it sees: τ_abs/w = tolerance·√m. */
  const coordinateResolution = (check: LineCheck): number => (gmax > 0 ? (check.tolerance * Math.sqrt(check.size)) / gmax : 0);
  const resolves = (check: LineCheck): boolean => coordinateResolution(check) * RESOLUTION_MARGIN <= settings.resolution;
  const passed = (check: LineCheck): boolean => check.outcome === 'pass' || check.outcome === 'kink-pass';

  const checkCoordinate = (i: number): void => {
    const check = checkLine({ indices: Int32Array.of(i), signs: undefined }, false);
    if (check.outcome === 'fail') failing.push(i);
    if (passed(check) || check.outcome === 'fail') {
      covered[i] = 1;
      resolution = Math.max(resolution, coordinateResolution(check));
    }
  };

  /**
   * Checks a set of coordinates along `s` and splits it further where needed: in halves where it
   * fails or meets kinks (localisation), in pieces where it passes short of the resolution
   * (when `forResolution`); sets of leafSize or fewer are checked coordinate by coordinate. Only
   * those coordinate checks name failures: a set failing on its own is not a verdict (dense kinks
   * can fool a set), just a reason to look inside.
   */
  /** A block along one axis: coordinates [from, to) of `axis` (splits keep to the axis while it has room). */
  type AxisRange = { axis: number; from: number; to: number };
  const refine = (indices: Int32Array, s: Float32Array, forResolution: boolean, known?: LineCheck, along?: AxisRange): void => {
    if (stop()) {
      failingComplete = false;
      return;
    }
    if (indices.length <= settings.leafSize) {
      for (const i of indices) {
        if (stop()) {
          failingComplete = false;
          return;
        }
        checkCoordinate(i);
      }
      return;
    }
    const check = known ?? checkLine({ indices, signs: s }, false);
    if (passed(check)) cover(indices);
    if (passed(check) && (resolves(check) || !forResolution)) {
      resolution = Math.max(resolution, coordinateResolution(check));
      return;
    }
    const failingBefore = failing.length;
    // Resolution improves about as √m when a line's steps are limited by f's curvature (steps grow
    // as the moved set shrinks), so split into the square of the gain still needed.
    const gain = passed(check) ? (coordinateResolution(check) * RESOLUTION_MARGIN) / settings.resolution : 1;
    const count = Math.max(2, Math.min(MAX_PIECES, 2 ** Math.ceil(Math.log2(Math.max(1, gain * gain)))));
    const pieces: [Int32Array, AxisRange | undefined][] =
      along !== undefined && passed(check) && along.to - along.from >= 2
        ? axisPieces(along, count).map((r) => [axisBlock(shape, r.axis, r.from, r.to), r])
        : slices(indices, count).map((piece) => [piece, undefined]);
    for (const [piece, range] of pieces) {
      refine(piece, s, forResolution, undefined, range);
      if (stop() && passed(check)) resolution = Math.max(resolution, coordinateResolution(check));
    }
    if (check.outcome === 'fail' && failing.length === failingBefore && failingComplete) unconfirmed++;
  };

  /**
   * The first split of a passing whole input for resolution: blocks along one axis, chosen by
   * checking the first block of every axis and keeping the axis whose block resolves best.
   */
  /** `count` (at most the axis range's length) nearly equal consecutive parts of an axis range. */
  const axisPieces = (range: AxisRange, count: number): AxisRange[] => {
    const d = range.to - range.from;
    const parts = Math.min(count, d);
    return Array.from({ length: parts }, (_, p) => ({ axis: range.axis, from: range.from + Math.floor((d * p) / parts), to: range.from + Math.floor((d * (p + 1)) / parts) }));
  };

  /**
   * The first split of a passing whole input for resolution: blocks along one axis, chosen by
   * checking the first block of every axis and keeping the axis whose block resolves best; blocks
   * that still fall short are split further along the same axis while it has room.
   */
  const refineByAxis = (s: Float32Array, root: LineCheck): void => {
    const axes = shape.map((d, a) => ({ a, d })).filter(({ d }) => d >= 2);
    if (axes.length <= 1) return refine(all, s, true, root, axes.length === 1 ? { axis: axes[0].a, from: 0, to: axes[0].d } : undefined);
    const partitions = axes.map(({ a, d }) => axisPieces({ axis: a, from: 0, to: d }, MAX_PIECES));
    const blocks = partitions.map((ranges) => ranges.map((r) => axisBlock(shape, r.axis, r.from, r.to)));
    const trials = blocks.map((b) => (stop() ? undefined : checkLine({ indices: b[0], signs: s }, false)));
    let bestAxis = 0;
    trials.forEach((t, j) => {
      const best = trials[bestAxis];
      if (t !== undefined && (best === undefined || !passed(best) || (passed(t) && coordinateResolution(t) < coordinateResolution(best)))) bestAxis = j;
    });
    blocks[bestAxis].forEach((block, p) => refine(block, s, true, p === 0 ? trials[bestAxis] : undefined, partitions[bestAxis][p]));
  };

  let pass: boolean;
  if (settings.mode === 'per-coordinate') {
    for (const i of settings.coordinates ?? all) {
      if (!budgetLeft()) {
        notes.push(`evaluation budget (${settings.maxEvaluations}) spent: checked ${covered.reduce((a, b) => a + b, 0)} of ${n} coordinates`);
        break;
      }
      checkCoordinate(i);
    }
    pass = failing.length === 0;
  } else {
    const roots = signs.map((s) => checkLine({ indices: all, signs: s }, true));
    const failed = roots.findIndex((c) => c.outcome === 'fail');
    const unresolved = roots.findIndex((c) => !passed(c) && c.outcome !== 'fail');
    const passing = roots.filter(passed);
    // Every direction covers every coordinate; the sharpest one sets the resolution.
    const sharpest = passing.length === 0 ? undefined : passing.reduce((a, b) => (coordinateResolution(a) <= coordinateResolution(b) ? a : b));
    if (failed >= 0) {
      // The failing direction did check every coordinate (and found an error among them).
      cover(all);
      refine(all, signs[failed], false, roots[failed]);
      if (failing.length === 0 && failingComplete) notes.push('no single coordinate fails on its own: the error is spread over many (a scale or a missing term)');
    } else if (unresolved >= 0) {
      notes.push('not differentiable (or not finite) along whole-input directions: checked piecewise');
      refine(all, signs[unresolved], true, roots[unresolved]);
    } else if (sharpest !== undefined && !resolves(sharpest) && n > settings.leafSize) {
      cover(all);
      notes.push(`whole-input directions resolve ${coordinateResolution(sharpest).toExponential(1)} of max|g| per coordinate: refined by blocks to ${settings.resolution}`);
      refineByAxis(signs[roots.indexOf(sharpest)], sharpest);
    } else if (sharpest !== undefined && !resolves(sharpest)) {
      cover(all);
      refine(all, signs[roots.indexOf(sharpest)], true, sharpest);
    } else {
      cover(all);
      resolution = sharpest === undefined ? 0 : coordinateResolution(sharpest);
    }
    // A whole-input failure stands (it persisted away from x); below it, only coordinates decide.
    pass = failed < 0 && failing.length === 0;
  }
  if (unconfirmed > 0) notes.push(`${unconfirmed} part(s) of the input failed without a coordinate failing on its own`);
  if (!failingComplete) notes.push(budgetLeft() ? `localisation stopped after ${failing.length} failing coordinates` : `evaluation budget (${settings.maxEvaluations}) spent before the check finished`);
  const checked = covered.reduce((a, b) => a + b, 0);
  return { checks, checked, resolution, failingIndices: failing.sort((a, b) => a - b), failingComplete, kinks, nondifferentiable, notFinite, pass, notes };
}

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

/**
 * f along x(t) = base + t·w·s over the line's coordinates, with the first-order prediction from
 * `grad`. Prefetched points are evaluated together (Scalarized.valuesWith: one read-back) and
 * counted in f's evaluations when the line uses them, as if evaluated then.
 */
function lineProbe({ f, k, w }: LineContext, line: Line, base: Float32Array, grad: Float32Array): LineProbe {
  const known = new Map<number, { value: number; predicted: number }>();
  const pointAt = (t: number): { x: Float32Array; predicted: number } => {
    const x = Float32Array.from(base);
    let predicted = 0;
    for (const i of line.indices) {
      x[i] = base[i] + t * w * signOf(line, i);
      predicted += grad[i] * (x[i] - base[i]);
    }
    return { x, predicted };
  };
  return {
    evaluate(t) {
      const found = known.get(t);
      if (found !== undefined) {
        f.counts.evaluations++;
        return found;
      }
      const { x, predicted } = pointAt(t);
      return { value: f.valueWith(k, x), predicted };
    },
    prefetch(ts) {
      const points = [...new Set(ts)].filter((t) => !known.has(t)).map((t) => ({ t, ...pointAt(t) }));
      if (points.length === 0) return;
      const values = f.valuesWith(k, points.map((p) => p.x));
      points.forEach((p, j) => known.set(p.t, { value: values[j], predicted: p.predicted }));
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

/** A block along one axis: coordinates [from, to) of `axis` (splits keep to the axis while it has room). */
type AxisRange = { axis: number; from: number; to: number };

/** `count` (at most the axis range's length) nearly equal consecutive parts of an axis range. */
function axisPieces(range: AxisRange, count: number): AxisRange[] {
  const d = range.to - range.from;
  const parts = Math.min(count, d);
  return Array.from({ length: parts }, (_, p) => ({ axis: range.axis, from: range.from + Math.floor((d * p) / parts), to: range.from + Math.floor((d * (p + 1)) / parts) }));
}

const passed = (check: LineCheck): boolean => check.outcome === 'pass' || check.outcome === 'kink-pass';

/** The checks of one input and what they found so far: counts, failing coordinates, coverage, resolution. */
class InputCover {
  private readonly x: Float32Array;
  private readonly shape: readonly number[];
  private readonly n: number;
  private readonly lineAt: LineContext;
  private readonly startEvaluations: number;
  private readonly gmax: number;
  readonly all: Int32Array;
  readonly checks: LineCheck[] = [];
  readonly failing: number[] = [];
  failingComplete = true;
  private kinks = 0;
  private nondifferentiable = 0;
  private notFinite = 0;
  private unconfirmed = 0;
  readonly notes: string[] = [];
  /** Coordinates covered by a finished check. */
  private readonly covered: Uint8Array;
  /** The largest single-coordinate error (÷ max|g|) that the lines finally covering the input could miss. */
  private resolution = 0;

  constructor(
    private readonly f: Scalarized,
    k: number,
    private readonly g: Float32Array,
    private readonly settings: CoverSettings,
  ) {
    this.x = f.base[k];
    this.shape = f.shapes[k];
    this.n = this.x.length;
    this.lineAt = { f, k, w: inputScale(this.x), settings: settings.line };
    this.startEvaluations = f.counts.evaluations;
    this.all = Int32Array.from({ length: this.n }, (_, i) => i);
    let gmax = 0;
    for (let i = 0; i < this.n; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    this.gmax = gmax;
    this.covered = new Uint8Array(this.n);
  }

  /** Records a finished check in units of a unit-norm direction, and counts its outcome. */
  private record(line: Line, before: number, outcome: LineOutcome, est: LineEstimate, grad: Float32Array): LineCheck {
    const m = line.indices.length;
    const norm = this.lineAt.w * Math.sqrt(m);
    const analytic = alongLine(this.lineAt, line, grad) / norm;
    const residual = Number.isFinite(est.residual) ? est.residual / norm : Number.NaN;
    const check: LineCheck = {
      size: m,
      index: line.signs === undefined ? line.indices[0] : undefined,
      kind: line.signs === undefined ? 'coordinate' : 'direction',
      role: line.signs === undefined ? 'coordinate' : m === this.n ? 'root' : 'range',
      outcome,
      analytic,
      numeric: analytic + residual,
      error: Math.abs(residual),
      errorEstimate: est.errorEstimate / norm,
      tolerance: est.tolerance / norm,
      step: est.step,
      evaluations: this.f.counts.evaluations - before,
    };
    this.checks.push(check);
    if (outcome === 'not-finite') this.notFinite++;
    if (outcome === 'nondifferentiable') this.nondifferentiable++;
    if (outcome === 'kink-pass') this.kinks++;
    return check;
  }

  /**
   * The check at base, then — for a line with a kink signature, or a failing whole-input line —
   * again at two points a short way off.
   */
  checkLine(line: Line, recheckFailures: boolean): LineCheck {
    const before = this.f.counts.evaluations;
    const est = estimateLine(this.lineAt, line, this.x, this.g, this.f.value0, this.settings.line.firstStep);
    if (!est.finite) return this.record(line, before, 'not-finite', est, this.g);
    if (est.pass && !est.kinkSignature) return this.record(line, before, 'pass', est, this.g);
    if (!est.kinkSignature && !recheckFailures) return this.record(line, before, 'fail', est, this.g);
    const decided = recheckAwayFromKink(this.lineAt, line, est);
    return decided === undefined ? this.record(line, before, 'nondifferentiable', est, this.g) : this.record(line, before, decided.outcome, decided.est, decided.grad);
  }

  budgetLeft(): boolean {
    return this.f.counts.evaluations - this.startEvaluations < this.settings.maxEvaluations;
  }

  private stop(): boolean {
    return this.failing.length >= this.settings.maxFailing || !this.budgetLeft();
  }

  cover(indices: Int32Array): void {
    for (const i of indices) this.covered[i] = 1;
  }

  coveredCount(): number {
    return this.covered.reduce((a, b) => a + b, 0);
  }

  /** A line's tolerance as the smallest single-coordinate error it sees: τ_abs/w = tolerance·√m. */
  coordinateResolution(check: LineCheck): number {
    return this.gmax > 0 ? (check.tolerance * Math.sqrt(check.size)) / this.gmax : 0;
  }

  resolves(check: LineCheck): boolean {
    return this.coordinateResolution(check) * RESOLUTION_MARGIN <= this.settings.resolution;
  }

  /** Sets the resolution from the one line that covers the whole input. */
  resolvedBy(check: LineCheck | undefined): void {
    this.resolution = check === undefined ? 0 : this.coordinateResolution(check);
  }

  checkCoordinate(i: number): void {
    const check = this.checkLine({ indices: Int32Array.of(i), signs: undefined }, false);
    if (check.outcome === 'fail') this.failing.push(i);
    if (passed(check) || check.outcome === 'fail') {
      this.covered[i] = 1;
      this.resolution = Math.max(this.resolution, this.coordinateResolution(check));
    }
  }

  /**
   * Checks a set of coordinates along `s` and splits it further where needed: in halves where it
   * fails or meets kinks (localisation), in pieces where it passes short of the resolution
   * (when `forResolution`); sets of leafSize or fewer are checked coordinate by coordinate. Only
   * those coordinate checks name failures: a set failing on its own is not a verdict (dense kinks
   * can fool a set), just a reason to look inside.
   */
  refine(indices: Int32Array, s: Float32Array, forResolution: boolean, known?: LineCheck, along?: AxisRange): void {
    if (this.stop()) {
      this.failingComplete = false;
      return;
    }
    if (indices.length <= this.settings.leafSize) {
      for (const i of indices) {
        if (this.stop()) {
          this.failingComplete = false;
          return;
        }
        this.checkCoordinate(i);
      }
      return;
    }
    const check = known ?? this.checkLine({ indices, signs: s }, false);
    if (passed(check)) this.cover(indices);
    if (passed(check) && (this.resolves(check) || !forResolution)) {
      this.resolution = Math.max(this.resolution, this.coordinateResolution(check));
      return;
    }
    const failingBefore = this.failing.length;
    for (const [piece, range] of this.pieces(indices, check, along)) {
      this.refine(piece, s, forResolution, undefined, range);
      if (this.stop() && passed(check)) this.resolution = Math.max(this.resolution, this.coordinateResolution(check));
    }
    if (check.outcome === 'fail' && this.failing.length === failingBefore && this.failingComplete) this.unconfirmed++;
  }

  /**
   * How refine splits a set: resolution improves about as √m when a line's steps are limited by
   * f's curvature (steps grow as the moved set shrinks), so into the square of the gain still
   * needed; along the axis range while it has room, else in consecutive slices.
   */
  private pieces(indices: Int32Array, check: LineCheck, along: AxisRange | undefined): [Int32Array, AxisRange | undefined][] {
    const gain = passed(check) ? (this.coordinateResolution(check) * RESOLUTION_MARGIN) / this.settings.resolution : 1;
    const count = Math.max(2, Math.min(MAX_PIECES, 2 ** Math.ceil(Math.log2(Math.max(1, gain * gain)))));
    return along !== undefined && passed(check) && along.to - along.from >= 2
      ? axisPieces(along, count).map((r) => [axisBlock(this.shape, r.axis, r.from, r.to), r])
      : slices(indices, count).map((piece) => [piece, undefined]);
  }

  /**
   * The first split of a passing whole input for resolution: blocks along one axis, chosen by
   * checking the first block of every axis and keeping the axis whose block resolves best; blocks
   * that still fall short are split further along the same axis while it has room.
   */
  refineByAxis(s: Float32Array, root: LineCheck): void {
    const axes = this.shape.map((d, a) => ({ a, d })).filter(({ d }) => d >= 2);
    if (axes.length <= 1) return this.refine(this.all, s, true, root, axes.length === 1 ? { axis: axes[0].a, from: 0, to: axes[0].d } : undefined);
    const partitions = axes.map(({ a, d }) => axisPieces({ axis: a, from: 0, to: d }, MAX_PIECES));
    const blocks = partitions.map((ranges) => ranges.map((r) => axisBlock(this.shape, r.axis, r.from, r.to)));
    const trials = blocks.map((b) => (this.stop() ? undefined : this.checkLine({ indices: b[0], signs: s }, false)));
    let bestAxis = 0;
    trials.forEach((t, j) => {
      const best = trials[bestAxis];
      if (t !== undefined && (best === undefined || !passed(best) || (passed(t) && this.coordinateResolution(t) < this.coordinateResolution(best)))) bestAxis = j;
    });
    blocks[bestAxis].forEach((block, p) => this.refine(block, s, true, p === 0 ? trials[bestAxis] : undefined, partitions[bestAxis][p]));
  }

  result(pass: boolean): InputCoverage {
    const { checks, failing, failingComplete, kinks, nondifferentiable, notFinite, notes, resolution } = this;
    if (this.unconfirmed > 0) notes.push(`${this.unconfirmed} part(s) of the input failed without a coordinate failing on its own`);
    if (!failingComplete) notes.push(this.budgetLeft() ? `localisation stopped after ${failing.length} failing coordinates` : `evaluation budget (${this.settings.maxEvaluations}) spent before the check finished`);
    return { checks, checked: this.coveredCount(), resolution, failingIndices: failing.sort((a, b) => a - b), failingComplete, kinks, nondifferentiable, notFinite, pass, notes };
  }
}

/** per-coordinate mode: each coordinate (or settings.coordinates) on its own, while the budget lasts. */
function coverPerCoordinate(cover: InputCover, settings: CoverSettings): boolean {
  for (const i of settings.coordinates ?? cover.all) {
    if (!cover.budgetLeft()) {
      cover.notes.push(`evaluation budget (${settings.maxEvaluations}) spent: checked ${cover.coveredCount()} of ${cover.all.length} coordinates`);
      break;
    }
    cover.checkCoordinate(i);
  }
  return cover.failing.length === 0;
}

/** fast mode: whole-input directions, then refinement where one fails, is unresolved, or falls short of the resolution. */
function coverByDirections(cover: InputCover, signs: Float32Array[], settings: CoverSettings): boolean {
  const all = cover.all;
  const roots = signs.map((s) => cover.checkLine({ indices: all, signs: s }, true));
  const failed = roots.findIndex((c) => c.outcome === 'fail');
  const unresolved = roots.findIndex((c) => !passed(c) && c.outcome !== 'fail');
  const passing = roots.filter(passed);
  // Every direction covers every coordinate; the sharpest one sets the resolution.
  const sharpest = passing.length === 0 ? undefined : passing.reduce((a, b) => (cover.coordinateResolution(a) <= cover.coordinateResolution(b) ? a : b));
  if (failed >= 0) {
    // The failing direction did check every coordinate (and found an error among them).
    cover.cover(all);
    cover.refine(all, signs[failed], false, roots[failed]);
    if (cover.failing.length === 0 && cover.failingComplete) cover.notes.push('no single coordinate fails on its own: the error is spread over many (a scale or a missing term)');
  } else if (unresolved >= 0) {
    cover.notes.push('not differentiable (or not finite) along whole-input directions: checked piecewise');
    cover.refine(all, signs[unresolved], true, roots[unresolved]);
  } else if (sharpest !== undefined && !cover.resolves(sharpest) && all.length > settings.leafSize) {
    cover.cover(all);
    cover.notes.push(`whole-input directions resolve ${cover.coordinateResolution(sharpest).toExponential(1)} of max|g| per coordinate: refined by blocks to ${settings.resolution}`);
    cover.refineByAxis(signs[roots.indexOf(sharpest)], sharpest);
  } else if (sharpest !== undefined && !cover.resolves(sharpest)) {
    cover.cover(all);
    cover.refine(all, signs[roots.indexOf(sharpest)], true, sharpest);
  } else {
    cover.cover(all);
    cover.resolvedBy(sharpest);
  }
  // A whole-input failure stands (it persisted away from x); below it, only coordinates decide.
  return failed < 0 && cover.failing.length === 0;
}

export function coverInput(f: Scalarized, k: number, g: Float32Array, signs: Float32Array[], settings: CoverSettings): InputCoverage {
  const cover = new InputCover(f, k, g, settings);
  const pass = settings.mode === 'per-coordinate' ? coverPerCoordinate(cover, settings) : coverByDirections(cover, signs, settings);
  return cover.result(pass);
}

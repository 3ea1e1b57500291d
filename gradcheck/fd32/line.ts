/**
 * One checked quantity in fp32 without a float64 twin: the derivative of φ(t) = f(x + t·v) at
 * t = 0 (v a random direction, or one coordinate), compared with the analytic g·v.
 *
 * The inputs are fp32, so x + t·v is rounded: the probe reports, with each value of f, the
 * analytic side's prediction g·Δ(t) for the step Δ(t) = fl(x + t·v) − x actually taken. The
 * compared quantity is the residual
 *   r(h) = [φ(h) − φ(−h) − g·(Δ(h) − Δ(−h))] / 2h,
 * which tends to (true gradient − g)·v as h → 0: zero for a correct gradient.
 *
 * Per quantity (design notes: central-difference rounding ≈ u·|f|/h, truncation ≈ h²|f‴|/6):
 *  1. ν, the rounding noise of one evaluation of f, is measured with ECnoise (noise.ts) on eight
 *     points 2⁻⁸ apart on each side of x — an error estimate from the function itself, not from a
 *     formula about it.
 *  2. Central differences run at steps h_k = H·2⁻ᵏ (k may go negative, see 3). Richardson extrapolation over three
 *     consecutive steps cancels the h² and h⁴ terms:
 *       T_k = (64 r_k − 20 r_{k−1} + r_{k−2}) / 45,
 *     whose truncation error is bounded by the spread of the tableau (|T_k − T¹_k| with
 *     T¹_k = (4 r_k − r_{k−1})/3, and |T_k − T_{k−1}|), and whose rounding error has standard
 *     deviation ν/h_k · √(64² + 20²/4 + 1/16) / (45·√2) = 1.018 ν/h_k.
 *  3. The step is chosen per quantity: the k with the smallest estimate
 *       E_k = truncation_k + NOISE_SIGMAS · 1.018 ν/h_k
 *     (levels go down from H and stop two after the best; when the widest candidate wins with
 *     rounding the larger part, levels go up past H as well). The tolerance is SAFETY · E_k plus
 *     the analytic side's own fp32 rounding (a floor the caller passes).
 *  4. Kinks. A central difference cannot see a kink at t = 0 (|t| has central differences 0 at
 *     every h), but one-sided ones can: J(h) = [φ(h) − 2φ(0) + φ(−h)]/h = h·φ″ + O(h³) for
 *     smooth φ and tends to the jump in slope at a kink. Richardson on J removes the h and h³
 *     terms: K(h) = 2J(h) − J(2h), J₀(h) = (8K(h) − K(2h))/7 = O(h⁵) for smooth φ and = the
 *     jump at a kink, with rounding σ = 5.78 ν/h. J₀ well above its noise and above its own
 *     truncation (|J₀(h) − J₀(2h)|/31) means the steps straddle a point where φ is not
 *     differentiable (Chainer's detect_nondifferentiable asks the same question).
 */
import { FP32_UNIT_ROUNDOFF } from '../tolerances.js';
import { ecnoise, type NoiseInform } from './noise.js';

/** f along a line through the base point. */
export interface LineProbe {
  /** f(fl(x + t·v)) accumulated in float64, and the analytic prediction g·(fl(x + t·v) − x). */
  evaluate(t: number): { value: number; predicted: number };
  /**
   * Evaluates f at all of `ts` at once (one read-back from the backend), so that evaluate gives
   * their values without computing them again; optional. Only the values evaluate returns count.
   */
  prefetch?(ts: readonly number[]): void;
}

export interface LineSettings {
  /** Largest step H, in units of t. */
  firstStep: number;
  /** Most step levels tried (H down to H·2^−(maxLevels−1)). */
  maxLevels: number;
  /** Spacing of the ECnoise points, in units of t. */
  noiseSpacing: number;
  /** Absolute floor added to the tolerance: the analytic side's rounding along this line. */
  analyticFloor: number;
  /**
   * Step levels evaluated ahead of need, in one read-back with the next level, when the probe
   * prefetches: worth it where a read-back costs far more than an evaluation (a GPU backend). The
   * values and the verdict are the same at any lookahead; 0 prefetches only points certain to be used.
   */
  lookahead: number;
}

/** Multiplier on the rounding term's standard deviation inside the error estimate. */
export const NOISE_SIGMAS = 3;
/**
 * Tolerance = SAFETY × error estimate. ECnoise's ν comes from ~6 degrees of freedom, so it is
 * low by 3× about once in a thousand quantities; SAFETY 4 then still leaves 4σ of true noise
 * (3·4/3), so a correct gradient fails about once in 10⁷ quantities on noise alone.
 */
export const SAFETY = 4;
/** Kink signature: |K| above this many σ_K (sensitive on purpose; it only triggers re-checks). */
export const KINK_SIGMAS = 3;

/** Levels tried above H when f looks polynomial along the line (steps up to 16H). */
const MAX_LEVELS_UP = 4;

/** ECnoise spacings tried: δ, δ/16, δ/256. */
const NOISE_ATTEMPTS = 3;

/** Rounding σ of T_k in units of ν/h_k (see step 2 above). */
const EXTRAPOLATED_NOISE = Math.sqrt(64 ** 2 + 20 ** 2 / 4 + 1 / 16) / (45 * Math.SQRT2);
/** Rounding σ of J₀ = (8K(h) − K(2h))/7, K(h) = 2J(h) − J(2h), in units of ν/h (σ_J(h) = √6 ν/h). */
const KINK_NOISE = Math.sqrt(8 ** 2 * (4 * 6 + 6 / 4) + (4 * 6 + 6 / 4) / 4) / 7;

export const DEFAULT_LINE_SETTINGS: LineSettings = { firstStep: 0.5, maxLevels: 14, noiseSpacing: 2 ** -8, analyticFloor: 0, lookahead: 0 };

export interface LineEstimate {
  /** Extrapolated numeric − analytic derivative along the line (NaN if nothing finite was found). */
  residual: number;
  /** Estimated |error| of the numeric side: truncation + NOISE_SIGMAS·rounding. */
  errorEstimate: number;
  /** SAFETY·errorEstimate + analyticFloor. */
  tolerance: number;
  pass: boolean;
  /** ν and how ECnoise found it. */
  noise: number;
  noiseInform: NoiseInform;
  /** The chosen step h (the smallest of the three extrapolated). */
  step: number;
  /** Largest step evaluated (a kink farther than this cannot have affected the estimate). */
  largestStep: number;
  /** One-sided slopes disagree within the chosen steps. */
  kinkSignature: boolean;
  /** |K| / σ_K at the chosen steps. */
  kinkScore: number;
  /** False when f was not finite at enough steps for an estimate. */
  finite: boolean;
  evaluations: number;
}

interface Level {
  h: number;
  /** Central-difference residual r(h). */
  r: number;
  /** One-sided second difference J(h). */
  j: number;
}

/** The probe, counting its evaluations. */
interface CountedProbe {
  at(t: number): { value: number; predicted: number };
  prefetch(ts: readonly number[]): void;
  evaluations: number;
}

function countedProbe(probe: LineProbe): CountedProbe {
  const counted: CountedProbe = {
    evaluations: 0,
    at: (t) => {
      counted.evaluations++;
      return probe.evaluate(t);
    },
    prefetch: (ts) => probe.prefetch?.(ts),
  };
  return counted;
}

/** The ECnoise points of one side (±1) at one attempt: t = side·j·δ, δ = noiseSpacing/16^attempt, j = 1..8. */
function noisePoints(settings: LineSettings, side: number, attempt: number): number[] {
  const spacing = settings.noiseSpacing / 16 ** attempt;
  return Array.from({ length: 8 }, (_, j) => side * (j + 1) * spacing);
}

/** The step of level e: h = H·2^e. */
const levelStep = (settings: LineSettings, e: number): number => settings.firstStep * 2 ** e;

/** Both points (+h, −h) of each level in `es`. */
const levelPoints = (settings: LineSettings, es: readonly number[]): number[] => es.flatMap((e) => [levelStep(settings, e), -levelStep(settings, e)]);

/**
 * Levels 0 … −5 always run (the first candidate needs four levels, and the descent stops no
 * sooner than two levels past it), as does the first noise attempt on each side.
 */
const CERTAIN_LEVELS = 6;

/**
 * 1. Noise: ECnoise on eight points t = jδ, j = 1..8, on each side of x. The spacing must move
 * f's internal values by many ulps, or their roundings stay put between points and the error
 * drifts smoothly instead of looking like noise (measured on log-softmax: ν from δ = 2⁻¹⁶ was
 * 1/10 of the scatter seen at 2⁻⁸ and beyond). So δ starts at 2⁻⁸ and shrinks 16× at a time only
 * while the smooth part of f still shows at every level. Each side is measured apart and the
 * smaller kept: a kink at or near x (relu at 0) makes a spike in the difference table that
 * ECnoise would take for noise, and it lies on one side at most — unless it sits at x itself,
 * which neither side contains. With no plateau anywhere, the largest estimate is kept (an
 * overestimate only makes the check less sensitive). An underestimate can only fail a line
 * whose one-sided slopes then look inconsistent, which sends it to the kink re-check, never
 * straight to a failure.
 */
function lineNoise(probe: CountedProbe, value0: number, settings: LineSettings): { noise: number; inform: NoiseInform } {
  type Found = { noise: number; inform: NoiseInform };
  type Side = { side: number; found: Found; done?: Found };
  // Both sides advance attempt by attempt, so that the points of an attempt both need are fetched together.
  const sides: Side[] = [1, -1].map((side) => ({ side, found: { noise: 0, inform: 'constant' } }));
  for (let attempt = 0; attempt < NOISE_ATTEMPTS; attempt++) {
    const open = sides.filter((s) => s.done === undefined);
    if (attempt > 0) probe.prefetch(open.flatMap((s) => noisePoints(settings, s.side, attempt)));
    for (const s of open) {
      const values = noisePoints(settings, s.side, attempt).map((t) => probe.at(t).value);
      if (!values.every(Number.isFinite)) continue;
      const estimate = ecnoise(values);
      if (estimate.inform === 'estimated') s.done = estimate;
      else if (estimate.inform === 'constant') s.done = s.found.inform === 'no-plateau' ? s.found : estimate;
      else if (estimate.noise >= s.found.noise) s.found = estimate;
    }
  }
  const [right, left] = sides.map((s) => s.done ?? s.found);
  // A side where f does not move at all (relu on its flat side) has no rounding noise: 0 stands,
  // up to a floor of a quarter of one rounding of f itself: points that happen to be exact in
  // fp32 (dyadic steps of a linear f) show no noise that other points would.
  const side = right.noise <= left.noise ? right : left;
  return { noise: Math.max(side.noise, 0.25 * FP32_UNIT_ROUNDOFF * Math.abs(value0)), inform: side.inform };
}

type Candidate = { e: number; estimate: number; residual: number; truncation: number; rounding: number };

/** The central-difference levels evaluated, by exponent e (h = H·2^e); undefined where f was not finite. */
type Levels = Map<number, Level | undefined>;

/**
 * A candidate named by its smallest step e uses levels e..e+3: it needs all four finite, for both
 * spreads of the tableau, since either alone can vanish by accident (when f's h⁴ coefficient is
 * ~0, T¹ and T agree while both are off).
 */
function candidateAt(levels: Levels, e: number, noise: number): Candidate | undefined {
  const [c, b, a, z] = [levels.get(e), levels.get(e + 1), levels.get(e + 2), levels.get(e + 3)];
  if (z === undefined || a === undefined || b === undefined || c === undefined) return undefined;
  const extrapolated = (64 * c.r - 20 * b.r + a.r) / 45;
  const once = (4 * c.r - b.r) / 3;
  const previous = (64 * b.r - 20 * a.r + z.r) / 45;
  const truncation = Math.max(Math.abs(extrapolated - once), Math.abs(extrapolated - previous));
  const rounding = (NOISE_SIGMAS * EXTRAPOLATED_NOISE * noise) / c.h;
  return { e, estimate: truncation + rounding, residual: extrapolated, truncation, rounding };
}

/**
 * 2–3. Levels of central differences at h = H·2^e, Richardson, step choice: down from H while the
 * estimate improves (two levels past the best), then up from H when the widest candidate won with
 * rounding still the larger part (f is close to a low-degree polynomial along this line, and a
 * wider step divides the rounding error).
 */
function chooseStep(probe: CountedProbe, value0: number, noise: number, settings: LineSettings, prefetched: readonly number[]): { best: Candidate | undefined; levels: Levels; largestStep: number } {
  const levels: Levels = new Map();
  const asked = new Set(prefetched);
  let largestStep = 0;
  const level = (e: number): void => {
    if (levels.has(e)) return;
    if (!asked.has(e)) {
      // This level and `lookahead` more in the same direction: below H down to −(maxLevels − 1), above it up to MAX_LEVELS_UP.
      const ahead = Array.from({ length: settings.lookahead + 1 }, (_, a) => (e <= 0 ? e - a : e + a)).filter((a) => !asked.has(a) && (e <= 0 ? a > -settings.maxLevels : a <= MAX_LEVELS_UP));
      ahead.forEach((a) => asked.add(a));
      probe.prefetch(levelPoints(settings, ahead));
    }
    const h = levelStep(settings, e);
    const plus = probe.at(h);
    const minus = probe.at(-h);
    const ok = [plus.value, minus.value, plus.predicted, minus.predicted].every(Number.isFinite);
    levels.set(e, ok ? { h, r: (plus.value - minus.value - (plus.predicted - minus.predicted)) / (2 * h), j: (plus.value - plus.predicted - 2 * value0 + minus.value - minus.predicted) / h } : undefined);
    if (ok) largestStep = Math.max(largestStep, h);
  };
  let best: Candidate | undefined;
  const consider = (found: Candidate | undefined): void => {
    if (found !== undefined && (best === undefined || found.estimate < best.estimate)) best = found;
  };
  for (let e = 0; e > -settings.maxLevels; e--) {
    level(e);
    consider(candidateAt(levels, e, noise));
    if (best !== undefined && best.e - e >= 2) break;
  }
  for (let e = 1; e <= MAX_LEVELS_UP && best !== undefined && best.e === e - 4 && best.truncation < best.rounding; e++) {
    level(e);
    consider(candidateAt(levels, e - 3, noise));
  }
  return { best, levels, largestStep };
}

/** 4. Kink score |J₀| / σ_J₀ on the chosen steps h, 2h, 4h (and 8h for J₀'s own truncation); 0 when J₀ is within it. */
function kinkScoreAt(levels: Levels, e: number, noise: number): number {
  const kinkAt = (at: number): number | undefined => {
    const [j1, j2, j4] = [levels.get(at)?.j, levels.get(at + 1)?.j, levels.get(at + 2)?.j];
    if (j1 === undefined || j2 === undefined || j4 === undefined) return undefined;
    return (8 * (2 * j1 - j2) - (2 * j2 - j4)) / 7;
  };
  const j0 = kinkAt(e)!;
  const wider = kinkAt(e + 1);
  const kinkTruncation = wider === undefined ? 0 : Math.abs(j0 - wider) / 31;
  const sigma = (KINK_NOISE * noise) / levels.get(e)!.h;
  const excess = Math.abs(j0) - 2 * kinkTruncation;
  return excess <= 0 ? 0 : sigma > 0 ? excess / sigma : Infinity;
}

/**
 * Estimates the residual along one line. `value0` is f at t = 0 (the caller has it already).
 * Never throws for a non-finite f: such levels are skipped, and `finite: false` says none was usable.
 */
export function estimateAlongLine(probe: LineProbe, value0: number, settings: LineSettings = DEFAULT_LINE_SETTINGS): LineEstimate {
  const counted = countedProbe(probe);
  const certainLevels = Array.from({ length: Math.min(CERTAIN_LEVELS, settings.maxLevels) }, (_, a) => -a);
  counted.prefetch([...noisePoints(settings, 1, 0), ...noisePoints(settings, -1, 0), ...levelPoints(settings, certainLevels)]);
  const { noise, inform: noiseInform } = lineNoise(counted, value0, settings);
  const { best, levels, largestStep } = chooseStep(counted, value0, noise, settings, certainLevels);
  if (best === undefined || !Number.isFinite(best.estimate)) {
    const infinite = Number.POSITIVE_INFINITY;
    return { residual: Number.NaN, errorEstimate: infinite, tolerance: infinite, pass: false, noise, noiseInform, step: Number.NaN, largestStep, kinkSignature: false, kinkScore: 0, finite: false, evaluations: counted.evaluations };
  }
  const score = kinkScoreAt(levels, best.e, noise);
  const tolerance = SAFETY * best.estimate + settings.analyticFloor;
  return {
    residual: best.residual,
    errorEstimate: best.estimate,
    tolerance,
    pass: Math.abs(best.residual) <= tolerance,
    noise,
    noiseInform,
    step: levels.get(best.e)!.h,
    largestStep,
    kinkSignature: score > KINK_SIGMAS,
    kinkScore: score,
    finite: true,
    evaluations: counted.evaluations,
  };
}

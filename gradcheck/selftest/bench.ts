/**
 * Fast mode against per-coordinate mode on a 784×1000 weight: f(W) = tanh(X·W), X 8×784 with
 * pixel-like values, W Xavier-scaled, the gradient hand-written (tf.customGrad), correct and with
 * planted bugs. Fast mode runs in full; per-coordinate mode on every one of 784 000 coordinates
 * would take days, so it is timed on a seeded sample of coordinates (plus, for the one-coordinate
 * bugs, the bad coordinate itself) and its full cost extrapolated from the time per coordinate.
 */
import * as tf from '@tensorflow/tfjs';
import { gradcheck } from '../gradcheck.js';
import { DEFAULT_COVER_SETTINGS } from '../fd32/cover.js';
import { makeRng, sampleIndices } from '../random.js';

export interface WeightBenchOptions {
  /** Coordinates per-coordinate mode is timed on; default 32. */
  sample?: number;
  /**
   * Fast mode's resolution; default gradcheck's (1e-2), at which a 784×1000 weight passes on its
   * whole-input directions alone: they resolve ~7e-3 of max|g| per coordinate here, reported per run.
   */
  resolution?: number;
  seed?: number;
  /** Called before each measured run, with its label. */
  onStep?: (label: string) => void;
}

export interface BenchRun {
  bug: string;
  mode: 'fast' | 'per-coordinate';
  pass: boolean;
  seconds: number;
  evaluations: number;
  backwardPasses: number;
  /** Coordinates covered, and the single-coordinate resolution achieved (fast mode). */
  checked: number;
  resolution: number;
  failingIndices: number[];
}

export interface WeightBenchReport {
  backend: string;
  shape: number[];
  sample: number;
  /** Fast mode's resolution. */
  resolution: number;
  runs: BenchRun[];
  /** Per-coordinate mode, correct gradient: seconds and evaluations per coordinate, and both extrapolated to every coordinate. */
  perCoordinate: { secondsPerCoordinate: number; evaluationsPerCoordinate: number; fullSeconds: number; fullEvaluations: number };
  /** Fast mode, correct gradient. */
  fast: { seconds: number; evaluations: number };
  /** fullSeconds / fast seconds, and the same for evaluations. */
  speedup: number;
  evaluationRatio: number;
}

const ROWS = 8;
const IN = 784;
const OUT = 1000;

type Bug = { name: string; coordinate?: number; apply: (g: Float32Array) => void };

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

/**
 * f(W) = tanh(X·W) with its gradient written by hand, ∂f/∂W = Xᵀ·(dy ⊙ (1 − y²)), whose values
 * `plant` may change in place (a planted bug; a no-op for the correct gradient).
 */
export function tanhLayer(x: tf.Tensor, plant: (gradient: Float32Array) => void): (weight: tf.Tensor) => tf.Tensor {
  return tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const weight = args[0] as tf.Tensor;
    const y = tf.tanh(tf.matMul(x, weight));
    (args[1] as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) => {
        const g = tf.matMul(x, tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(saved))), true, false);
        const values = Float32Array.from(g.dataSync());
        g.dispose();
        plant(values);
        return tf.tensor(values, g.shape);
      },
    };
  });
}

export function runWeightBench(options: WeightBenchOptions = {}): WeightBenchReport {
  const seed = options.seed ?? 0;
  const sample = options.sample ?? 32;
  const rng = makeRng(seed, 'bench-weight');
  const x = tf.tensor(Float32Array.from({ length: ROWS * IN }, () => rng()), [ROWS, IN]);
  const scale = Math.sqrt(2 / (IN + OUT));
  const w = tf.tensor(Float32Array.from({ length: IN * OUT }, () => scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())), [IN, OUT]);
  const n = IN * OUT;
  const pick = (label: string): number => Math.floor(makeRng(seed, label)() * n);
  const bugs: Bug[] = [
    { name: 'correct', apply: () => {} },
    { name: 'scale ×1.01', apply: (g) => g.forEach((e, i) => (g[i] = e * 1.01)) },
    { name: 'scale ×1.001', apply: (g) => g.forEach((e, i) => (g[i] = e * 1.001)) },
    { name: 'gradient zeroed', apply: (g) => g.fill(0) },
  ];
  const c1 = pick('bench-coordinate-1');
  const c01 = pick('bench-coordinate-01');
  bugs.push({ name: 'one coordinate off by 1% of max|g|', coordinate: c1, apply: (g) => (g[c1] += 0.01 * maxAbs(g)) });
  bugs.push({ name: 'one coordinate off by 0.1% of max|g|', coordinate: c01, apply: (g) => (g[c01] += 0.001 * maxAbs(g)) });

  const layer = (bug: Bug): ((weight: tf.Tensor) => tf.Tensor) => tanhLayer(x, bug.apply);

  const sampled = sampleIndices(n, sample, makeRng(seed, 'bench-sample'));
  const runs: BenchRun[] = [];
  try {
    for (const bug of bugs) {
      for (const mode of ['fast', 'per-coordinate'] as const) {
        options.onStep?.(`${mode} · ${bug.name}`);
        const coordinates = bug.coordinate === undefined || sampled.includes(bug.coordinate) ? sampled : [...sampled, bug.coordinate].sort((a, b) => a - b);
        const started = performance.now();
        const result = gradcheck(layer(bug), [w], {
          name: 'tanh(X·W)',
          inputNames: ['W'],
          seed,
          mode,
          maxFailing: 1,
          ...(mode === 'fast' && options.resolution !== undefined ? { resolution: options.resolution } : {}),
          ...(mode === 'per-coordinate' ? { coordinates } : {}),
        });
        const input = result.inputs[0];
        runs.push({
          bug: bug.name,
          mode,
          pass: result.pass,
          seconds: (performance.now() - started) / 1000,
          evaluations: result.evaluations,
          backwardPasses: result.backwardPasses,
          checked: input.checked,
          resolution: input.resolution,
          failingIndices: input.failingIndices,
        });
      }
    }
  } finally {
    tf.dispose([x, w]);
  }
  const fastCorrect = runs.find((r) => r.bug === 'correct' && r.mode === 'fast')!;
  const perCorrect = runs.find((r) => r.bug === 'correct' && r.mode === 'per-coordinate')!;
  const secondsPerCoordinate = perCorrect.seconds / perCorrect.checked;
  const evaluationsPerCoordinate = perCorrect.evaluations / perCorrect.checked;
  const fullSeconds = secondsPerCoordinate * n;
  const fullEvaluations = evaluationsPerCoordinate * n;
  return {
    backend: tf.getBackend(),
    shape: [IN, OUT],
    sample,
    resolution: options.resolution ?? DEFAULT_COVER_SETTINGS.resolution,
    runs,
    perCoordinate: { secondsPerCoordinate, evaluationsPerCoordinate, fullSeconds, fullEvaluations },
    fast: { seconds: fastCorrect.seconds, evaluations: fastCorrect.evaluations },
    speedup: fullSeconds / fastCorrect.seconds,
    evaluationRatio: fullEvaluations / fastCorrect.evaluations,
  };
}

export function formatWeightBench(report: WeightBenchReport): string {
  const lines = [
    `fast vs per-coordinate gradcheck on a ${report.shape.join('×')} weight (tanh(X·W), X ${ROWS}×${IN}) on ${report.backend}`,
    `fast mode at resolution ${report.resolution}; per-coordinate mode is run on ${report.sample} sampled coordinates (plus the planted one for the one-coordinate bugs)`,
    '',
    `${'bug'.padEnd(38)}  ${'mode'.padEnd(14)}  verdict  ${'seconds'.padStart(8)}  ${'evals'.padStart(6)}  ${'checked'.padStart(14)}  resolution  failing`,
  ];
  for (const r of report.runs) {
    lines.push(
      `${r.bug.padEnd(38)}  ${r.mode.padEnd(14)}  ${(r.pass ? 'pass' : 'FAIL').padEnd(7)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.evaluations).padStart(6)}  ${`${r.checked}/${report.shape[0] * report.shape[1]}`.padStart(14)}  ${r.resolution.toExponential(1).padStart(10)}  ${r.failingIndices.slice(0, 3).join(' ')}`,
    );
  }
  const p = report.perCoordinate;
  lines.push(
    '',
    `per-coordinate: ${p.secondsPerCoordinate.toFixed(3)} s and ${p.evaluationsPerCoordinate.toFixed(1)} evaluations per coordinate → every coordinate: ${(p.fullSeconds / 3600).toFixed(1)} h, ${p.fullEvaluations.toExponential(2)} evaluations (extrapolated)`,
    `fast mode, every coordinate: ${report.fast.seconds.toFixed(1)} s, ${report.fast.evaluations} evaluations`,
    `fast mode is ${report.speedup.toExponential(2)}× faster (${report.evaluationRatio.toExponential(2)}× fewer evaluations) than per-coordinate mode over the same coverage`,
  );
  return lines.join('\n');
}

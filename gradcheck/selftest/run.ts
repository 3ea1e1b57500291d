/**
 * The checker's self-test: every planted function, correct and with every planted bug, over a
 * range of seeds (fresh inputs, cotangents and directions each), without a float64 reference.
 * Reports false alarms on the correct functions and the detection rate per kind of bug, for fast
 * mode and, on some seeds, per-coordinate mode with the two modes' verdicts compared.
 */
import * as tf from '@tensorflow/tfjs';
import { gradcheck, type GradcheckOptions } from '../gradcheck.js';
import { makeRng } from '../random.js';
import { genericBugs, plant } from './bugs.js';
import { PLANTED_FUNCTIONS, type PlantedFunction } from './functions.js';

export type SelftestMode = 'fast' | 'per-coordinate';

export interface SelftestOptions {
  /** Seeds 0..seeds−1 for fast mode; default 20. */
  seeds?: number;
  /** Of those, how many (the first) also run per-coordinate mode and compare verdicts; default 2. */
  compareSeeds?: number;
  /** false: the correct functions only (false alarms), no planted bugs. */
  planted?: boolean;
  /** Only these functions (by name); default all. */
  functions?: string[];
  /** Called after each function and seed, for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

export interface DetectionTally {
  planted: number;
  caught: number;
}

export interface ModeReport {
  mode: SelftestMode;
  seeds: number;
  /** Correct functions checked, and those that failed (each a false alarm). */
  correctChecks: number;
  falseAlarms: string[];
  /** Largest error/tolerance ratio seen on a correct function (< 1 passes). */
  worstCorrectRatio: number;
  planted: DetectionTally;
  byKind: Record<string, DetectionTally>;
  /** The 0.1 % bugs alone (scale ×1.001 and one coordinate off by 0.1 % of max|g|). */
  smallest: DetectionTally;
  /** Bugs below the 0.1 % target (0.01 %), kept out of `planted`: where detection gives out. */
  belowTarget: DetectionTally;
  missed: string[];
  evaluations: number;
  seconds: number;
}

export interface SelftestReport {
  functions: string[];
  modes: ModeReport[];
  /** Fast vs per-coordinate verdicts on the seeds both ran. */
  agreement: { compared: number; same: number; differing: string[] };
}

interface Verdicts {
  report: ModeReport;
  /** "function/bug/seed" → pass. */
  verdicts: Map<string, boolean>;
}

/** The options every self-test check runs with: the defaults, except localisation stops at the first failing coordinate (the verdict is all that is counted). */
function checkOptions(fn: PlantedFunction, seed: number, mode: SelftestMode): GradcheckOptions {
  return { name: fn.name, inputNames: fn.inputNames, seed, mode, maxFailing: 1 };
}

function runMode(functions: PlantedFunction[], seeds: number, mode: SelftestMode, planted: boolean, progress: () => void): Verdicts {
  const started = performance.now();
  const report: ModeReport = { mode, seeds, correctChecks: 0, falseAlarms: [], worstCorrectRatio: 0, planted: { planted: 0, caught: 0 }, byKind: {}, smallest: { planted: 0, caught: 0 }, belowTarget: { planted: 0, caught: 0 }, missed: [], evaluations: 0, seconds: 0 };
  const verdicts = new Map<string, boolean>();
  for (let seed = 0; seed < seeds; seed++) {
    for (const fn of functions) {
      const inputs = tf.tidy(() => fn.inputs(makeRng(seed, `selftest-inputs-${fn.name}`)));
      try {
        const correct = gradcheck(plant(fn, fn.vjp), inputs, checkOptions(fn, seed, mode));
        report.correctChecks++;
        report.evaluations += correct.evaluations;
        verdicts.set(`${fn.name}/correct/${seed}`, correct.pass);
        for (const input of correct.inputs) report.worstCorrectRatio = Math.max(report.worstCorrectRatio, input.worstRatio);
        if (!correct.pass) report.falseAlarms.push(`${fn.name} (seed ${seed}): ${correct.inputs.filter((i) => !i.pass).map((i) => i.name).join(', ')}`);
        // The bugs go into one input, a different one per seed for functions of several inputs.
        const target = seed % inputs.length;
        for (const bug of !planted ? [] : genericBugs(fn, target, makeRng(seed, `selftest-pick-${fn.name}`)(), inputs[target].shape)) {
          const result = gradcheck(plant(fn, bug.vjp), inputs, checkOptions(fn, seed, mode));
          report.evaluations += result.evaluations;
          const caught = !result.pass;
          if (!bug.belowTarget) verdicts.set(`${fn.name}/${bug.name}/${seed}`, result.pass);
          const tally = (report.byKind[bug.kind] ??= { planted: 0, caught: 0 });
          const counted = bug.belowTarget ? [report.belowTarget] : [report.planted, ...(bug.size <= 0.001 ? [report.smallest] : [])];
          for (const t of [...counted, tally]) {
            t.planted++;
            if (caught) t.caught++;
          }
          if (!caught && !bug.belowTarget) report.missed.push(`${fn.name} ∂/∂${fn.inputNames[target]}: ${bug.name} (seed ${seed})`);
        }
      } finally {
        tf.dispose(inputs);
      }
      progress();
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  return { report, verdicts };
}

export function runSelftest(options: SelftestOptions = {}): SelftestReport {
  const seeds = options.seeds ?? 20;
  const compareSeeds = Math.min(seeds, options.compareSeeds ?? 2);
  const functions = options.functions === undefined ? PLANTED_FUNCTIONS : PLANTED_FUNCTIONS.filter((f) => options.functions!.includes(f.name));
  const unknown = (options.functions ?? []).filter((name) => !PLANTED_FUNCTIONS.some((f) => f.name === name));
  if (unknown.length > 0) throw new Error(`selftest: unknown function(s) ${unknown.join(', ')} (known: ${PLANTED_FUNCTIONS.map((f) => f.name).join(', ')})`);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`selftest: seeds must be a positive integer, got ${seeds}`);
  const total = functions.length * (seeds + compareSeeds);
  let done = 0;
  const progress = (): void => options.onProgress?.(++done, total);
  const planted = options.planted ?? true;
  const fast = runMode(functions, seeds, 'fast', planted, progress);
  const modes = [fast.report];
  const agreement = { compared: 0, same: 0, differing: [] as string[] };
  if (compareSeeds > 0) {
    const perCoordinate = runMode(functions, compareSeeds, 'per-coordinate', planted, progress);
    modes.push(perCoordinate.report);
    for (const [key, pass] of perCoordinate.verdicts) {
      const other = fast.verdicts.get(key);
      if (other === undefined) continue;
      agreement.compared++;
      if (other === pass) agreement.same++;
      else agreement.differing.push(`${key}: fast ${other ? 'pass' : 'FAIL'}, per-coordinate ${pass ? 'pass' : 'FAIL'}`);
    }
  }
  return { functions: functions.map((f) => f.name), modes, agreement };
}

/** The report as text: a table per mode, then the agreement line. */
export function formatSelftest(report: SelftestReport): string {
  const pct = (t: DetectionTally): string => `${t.caught}/${t.planted} (${t.planted === 0 ? '—' : ((100 * t.caught) / t.planted).toFixed(1)} %)`;
  const lines: string[] = [`planted-bug self-test: ${report.functions.length} functions (${report.functions.join(', ')}), no float64 reference`];
  for (const m of report.modes) {
    lines.push('', `== ${m.mode} mode, seeds 0..${m.seeds - 1} (${m.seconds.toFixed(1)} s, ${m.evaluations} evaluations) ==`);
    lines.push(`false alarms on correct functions: ${m.falseAlarms.length} of ${m.correctChecks} (worst error/tolerance ${m.worstCorrectRatio.toFixed(3)})`);
    lines.push(`planted bugs caught: ${pct(m.planted)}; the 0.1 % ones: ${pct(m.smallest)}; below target (0.01 %, not counted): ${pct(m.belowTarget)}`);
    const width = Math.max(...Object.keys(m.byKind).map((k) => k.length));
    for (const [kind, tally] of Object.entries(m.byKind)) lines.push(`  ${kind.padEnd(width)}  ${pct(tally)}`);
    for (const alarm of m.falseAlarms) lines.push(`  FALSE ALARM ${alarm}`);
    for (const missed of m.missed.slice(0, 20)) lines.push(`  missed: ${missed}`);
    if (m.missed.length > 20) lines.push(`  … and ${m.missed.length - 20} more missed`);
  }
  if (report.agreement.compared > 0) {
    lines.push('', `fast vs per-coordinate verdicts: ${report.agreement.same} of ${report.agreement.compared} the same`);
    for (const d of report.agreement.differing) lines.push(`  differs: ${d}`);
  }
  return lines.join('\n');
}

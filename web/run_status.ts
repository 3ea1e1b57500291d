/** The words the page puts around a run: times, the verdict on a finished run, what a backend's speed means. Pure. */
import type { EpochMetrics } from '../src/train/loop.js';
import type { BackendStatus } from './worker_protocol.js';

/** "0.8 s", "42 s", "3 min 05 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - 60 * minutes)).padStart(2, '0')} s`;
}

/** Seconds left, extrapolating the pace so far (evaluation included) over the steps still to take. */
export function remainingSeconds(elapsed: number, stepsDone: number, stepsTotal: number): number {
  if (stepsDone <= 0 || stepsTotal <= 0) return Number.NaN;
  return (elapsed * Math.max(0, stepsTotal - stepsDone)) / stepsDone;
}

export const percent = (fraction: number, digits = 1): string => `${(100 * fraction).toFixed(digits)} %`;

export type Verdict = { state: 'done' | 'diverged' | 'warning'; warning: string | null };

/**
 * What a run's losses say. A uniform guess over K classes has loss ln K (≈ 2.30 for 10 digits):
 * a train loss far above it, or a non-finite one, means the steps overshoot (diverged); accuracy
 * near chance (below 2/K) means nothing was learned; a loss that doubled from its best means the
 * run is unstable.
 */
export function assessRun(history: readonly EpochMetrics[], classes: number, nonFinite: string | null): Verdict {
  const tooLarge = 'the learning rate is too large for this network: try one 10× smaller';
  if (nonFinite !== null) return { state: 'diverged', warning: `Diverged: ${nonFinite}; ${tooLarge}.` };
  const last = history.at(-1);
  if (last === undefined) return { state: 'done', warning: null };
  const uniform = Math.log(classes);
  if (last.trainLoss > 1.5 * uniform) {
    return {
      state: 'diverged',
      warning: `Diverged: train loss ${last.trainLoss.toFixed(2)} is far above ln ${classes} = ${uniform.toFixed(2)}, the loss of guessing every class equally (test accuracy ${percent(last.testAcc)}); ${tooLarge}.`,
    };
  }
  if (last.testAcc < 2 / classes) {
    return { state: 'warning', warning: `Not learning: test accuracy ${percent(last.testAcc)} is near chance (${percent(1 / classes)}); try a larger learning rate or more epochs.` };
  }
  const best = Math.min(...history.map((m) => m.trainLoss));
  if (history.length >= 2 && last.trainLoss > 2 * best) {
    return { state: 'warning', warning: `Unstable: train loss rose from ${best.toFixed(3)} to ${last.trainLoss.toFixed(3)}; the learning rate may be too large.` };
  }
  return { state: 'done', warning: null };
}

/** One line on what a backend's timings mean. */
export function speedNote(status: BackendStatus): string {
  if (!status.available) return status.detail;
  switch (status.backend) {
    case 'webgl':
    case 'webgpu':
      return status.software
        ? `${status.detail}. SwiftShader is software rendering: the "GPU" runs on the CPU here, so results are exact but timings are not a GPU's speed.`
        : `${status.detail}. A hardware GPU: timings are its speed (the first epoch includes compiling the shaders).`;
    case 'wasm':
      return `${status.detail}: compiled kernels, usually several times faster than the cpu backend.`;
    case 'cpu':
      return `${status.detail}: the slowest backend, and the reference the others are checked against.`;
  }
}

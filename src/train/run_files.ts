/** The files of a run folder (Node): config.json, metrics.csv, the learning-curve plot, summary.json. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../backends.js';
import type { SubsetSizes } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { learningCurveSpec } from '../plot/curves.js';
import { renderSvg } from '../plot/render.js';
import { atomicWriteFile } from './atomic.js';
import type { TrainConfig } from './config.js';
import type { EpochMetrics } from './loop.js';

export const RUN_MARKER = 'handgrad-train-run';

export type RunFile = {
  kind: typeof RUN_MARKER;
  version: 1;
  config: TrainConfig;
  data: { spec: string } & SubsetSizes;
  backend: BackendChoice;
  createdAt: string;
};

export type OutDirStatus = 'absent' | 'empty' | 'run' | 'other';

export function outDirStatus(dir: string): OutDirStatus {
  if (!existsSync(dir)) return 'absent';
  if (!statSync(dir).isDirectory()) return 'other';
  if (readdirSync(dir).length === 0) return 'empty';
  return readRunFileOrNull(dir) === null ? 'other' : 'run';
}

function readRunFileOrNull(dir: string): RunFile | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Partial<RunFile>;
    return parsed.kind === RUN_MARKER ? (parsed as RunFile) : null;
  } catch {
    return null;
  }
}

export function readRunFile(dir: string): RunFile {
  if (!existsSync(dir)) throw new DataError(`--resume ${dir}: folder not found`);
  const run = readRunFileOrNull(dir);
  if (run === null) throw new DataError(`--resume ${dir}: not a handgrad training run (no readable config.json)`);
  return run;
}

export function writeRunFile(dir: string, run: RunFile): void {
  atomicWriteFile(join(dir, 'config.json'), `${JSON.stringify(run, null, 2)}\n`);
}

const CSV_COLUMNS = ['epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'test_loss', 'test_acc', 'seconds', 'eval_seconds'] as const;

export function metricsCsv(history: readonly EpochMetrics[]): string {
  const rows = history.map((m) => [m.epoch, m.trainLoss, m.trainAcc, m.validLoss, m.validAcc, m.testLoss, m.testAcc, m.seconds.toFixed(3), m.evalSeconds.toFixed(3)].join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

export function writeMetrics(dir: string, history: readonly EpochMetrics[]): void {
  atomicWriteFile(join(dir, 'metrics.csv'), metricsCsv(history));
}

/** learning-curve.vl.json (the Vega-Lite spec) and learning-curve.svg. */
export async function writePlot(dir: string, history: readonly EpochMetrics[], title: string): Promise<void> {
  const spec = learningCurveSpec(history, title);
  atomicWriteFile(join(dir, 'learning-curve.vl.json'), `${JSON.stringify(spec, null, 2)}\n`);
  atomicWriteFile(join(dir, 'learning-curve.svg'), await renderSvg(spec));
}

export type Summary = {
  epochs: number;
  bestValidAcc: number;
  bestValidEpoch: number;
  testAccAtBestValid: number;
  finalTestAcc: number;
  meanEpochSeconds: number;
  backend: string;
  interrupted: boolean;
};

/** `resumedAt`: epochs before it ran in an earlier session (maybe on another backend), so they are left out of the time per epoch. */
export function summarize(history: readonly EpochMetrics[], backend: string, interrupted: boolean, resumedAt = 0): Summary | null {
  if (history.length === 0) return null;
  let best = history[0];
  for (const m of history) if (m.validAcc > best.validAcc) best = m;
  const last = history[history.length - 1];
  return {
    epochs: last.epoch,
    bestValidAcc: best.validAcc,
    bestValidEpoch: best.epoch,
    testAccAtBestValid: best.testAcc,
    finalTestAcc: last.testAcc,
    meanEpochSeconds: mean((history.some((m) => m.epoch > resumedAt) ? history.filter((m) => m.epoch > resumedAt) : history).map((m) => m.seconds)),
    backend,
    interrupted,
  };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function writeSummary(dir: string, summary: Summary): void {
  atomicWriteFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

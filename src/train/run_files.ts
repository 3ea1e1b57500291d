/** The files of a run folder (Node): config.json, metrics.csv, the learning-curve plot, summary.json. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES, type BackendChoice } from '../backends.js';
import type { SubsetSizes } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { learningCurveSpec } from '../plot/curves.js';
import { renderSvg } from '../plot/render.js';
import { atomicWriteFile } from './atomic.js';
import { CONFIG_RULES, ConfigError, ruleViolation, validateSubsetSize, validateTrainConfig, type TrainConfig } from './config.js';
import type { EpochMetrics } from './loop.js';

export const RUN_MARKER = 'handgrad-train-run';

export type RunFile = {
  kind: typeof RUN_MARKER;
  version: 1;
  config: TrainConfig;
  /** `scale`: pixels are divided by it (--scale); absent = the dtype's default (uint8 ÷ 255, floats as they are). */
  data: { spec: string; scale?: number } & SubsetSizes;
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A run file read from JSON, checked field by field with the rules the flags obey (a hand-edited
 * `"lr": -5` or `"kind": "rmsprop"` is refused like `--lr -5`); throws ConfigError naming the field.
 */
export function validateRunFile(value: unknown): RunFile {
  if (!isRecord(value) || value.kind !== RUN_MARKER) throw new ConfigError('kind', `is not "${RUN_MARKER}"`);
  if (value.version !== 1) throw new ConfigError('version', `${JSON.stringify(value.version) ?? 'missing'} is not 1 (written by another handgrad version)`);
  const config = validateTrainConfig(value.config);
  const data = value.data;
  if (!isRecord(data) || typeof data.spec !== 'string' || data.spec === '') throw new ConfigError('data.spec', 'is missing (the --data of the run)');
  const sizes: SubsetSizes = {};
  const trainSize = validateSubsetSize(data.trainSize, 'data.trainSize');
  const validSize = validateSubsetSize(data.validSize, 'data.validSize');
  const testSize = validateSubsetSize(data.testSize, 'data.testSize');
  if (trainSize !== undefined) sizes.trainSize = trainSize;
  if (validSize !== undefined) sizes.validSize = validSize;
  if (testSize !== undefined) sizes.testSize = testSize;
  let scale: number | undefined;
  if (data.scale !== undefined) {
    const problem = ruleViolation(data.scale, CONFIG_RULES.scale);
    if (problem !== null) throw new ConfigError('data.scale', problem);
    scale = data.scale as number;
  }
  const backends: readonly string[] = ['auto', ...BACKEND_NAMES];
  if (typeof value.backend !== 'string' || !backends.includes(value.backend)) {
    throw new ConfigError('backend', `${JSON.stringify(value.backend) ?? 'missing'} is not one of ${backends.join(', ')}`);
  }
  return {
    kind: RUN_MARKER,
    version: 1,
    config,
    data: { spec: data.spec, ...sizes, ...(scale === undefined ? {} : { scale }) },
    backend: value.backend as BackendChoice,
    createdAt: typeof value.createdAt === 'string' ? value.createdAt : '',
  };
}

/** The run in `dir` (for --resume), checked: one line naming config.json and the bad field otherwise. */
export function readRunFile(dir: string): RunFile {
  if (!existsSync(dir)) throw new DataError(`--resume ${dir}: folder not found`);
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(`--resume ${dir}: not a handgrad training run (no readable config.json)`);
    throw new DataError(`${path}: cannot read (${code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(parsed) || parsed.kind !== RUN_MARKER) throw new DataError(`--resume ${dir}: not a handgrad training run (no readable config.json)`);
  try {
    return validateRunFile(parsed);
  } catch (error) {
    if (error instanceof ConfigError) throw new DataError(`${path}: ${error.message}`);
    throw error;
  }
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

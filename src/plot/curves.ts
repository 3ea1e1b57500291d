/** The learning-curve chart as a Vega-Lite spec: loss and accuracy per epoch, one line per split. */
import type { TopLevelSpec } from 'vega-lite';
import type { UnitSpec } from 'vega-lite/build/src/spec/unit.js';

/** What the curves plot of one epoch: loss and accuracy on each split (the trainer's EpochMetrics carries them). */
export type EpochCurves = {
  epoch: number;
  trainLoss: number;
  validLoss: number;
  testLoss: number;
  trainAcc: number;
  validAcc: number;
  testAcc: number;
};

export type CurveRow = { epoch: number; split: 'train' | 'valid' | 'test'; metric: 'loss' | 'accuracy'; value: number };

export function curveRows(history: readonly EpochCurves[]): CurveRow[] {
  return history.flatMap((m) => [
    { epoch: m.epoch, split: 'train', metric: 'loss', value: m.trainLoss },
    { epoch: m.epoch, split: 'valid', metric: 'loss', value: m.validLoss },
    { epoch: m.epoch, split: 'test', metric: 'loss', value: m.testLoss },
    { epoch: m.epoch, split: 'train', metric: 'accuracy', value: m.trainAcc },
    { epoch: m.epoch, split: 'valid', metric: 'accuracy', value: m.validAcc },
    { epoch: m.epoch, split: 'test', metric: 'accuracy', value: m.testAcc },
  ]);
}

function panel(metric: CurveRow['metric'], title: string, points: boolean, epochTicks: number[]): UnitSpec<string> & { width: number; height: number; title: string } {
  return {
    width: 360,
    height: 240,
    title,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', point: points },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { values: epochTicks, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false }, axis: metric === 'accuracy' ? { format: '.1%' } : {} },
      color: { field: 'split', type: 'nominal', sort: ['train', 'valid', 'test'], title: 'split' },
    },
  };
}

/** Whole epochs only, at most about ten of them, so the axis never shows fractional epochs. */
function epochTicks(history: readonly EpochCurves[]): number[] {
  const epochs = history.map((m) => m.epoch);
  const step = Math.max(1, Math.ceil(epochs.length / 10));
  return epochs.filter((_, i) => i % step === 0);
}

export function learningCurveSpec(history: readonly EpochCurves[], title: string): TopLevelSpec {
  const ticks = epochTicks(history);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: curveRows(history) },
    hconcat: [
      panel('loss', 'cross-entropy loss', history.length <= 60, ticks),
      panel('accuracy', 'accuracy', history.length <= 60, ticks),
    ],
  };
}

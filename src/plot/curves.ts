/** The learning-curve chart as a Vega-Lite spec: loss and accuracy per epoch, one line per split. */
import type { TopLevelSpec } from 'vega-lite';
import type { UnitSpec } from 'vega-lite/build/src/spec/unit.js';
import type { EpochMetrics } from '../train/loop.js';

export type CurveRow = { epoch: number; split: 'train' | 'valid' | 'test'; metric: 'loss' | 'accuracy'; value: number };

export function curveRows(history: readonly EpochMetrics[]): CurveRow[] {
  return history.flatMap((m) => [
    { epoch: m.epoch, split: 'train', metric: 'loss', value: m.trainLoss },
    { epoch: m.epoch, split: 'valid', metric: 'loss', value: m.validLoss },
    { epoch: m.epoch, split: 'test', metric: 'loss', value: m.testLoss },
    { epoch: m.epoch, split: 'train', metric: 'accuracy', value: m.trainAcc },
    { epoch: m.epoch, split: 'valid', metric: 'accuracy', value: m.validAcc },
    { epoch: m.epoch, split: 'test', metric: 'accuracy', value: m.testAcc },
  ]);
}

function panel(metric: CurveRow['metric'], title: string, points: boolean): UnitSpec<string> & { width: number; height: number; title: string } {
  return {
    width: 360,
    height: 240,
    title,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', point: points },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false }, axis: metric === 'accuracy' ? { format: '.1%' } : {} },
      color: { field: 'split', type: 'nominal', sort: ['train', 'valid', 'test'], title: 'split' },
    },
  };
}

export function learningCurveSpec(history: readonly EpochMetrics[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: curveRows(history) },
    hconcat: [panel('loss', 'cross-entropy loss', history.length <= 60), panel('accuracy', 'accuracy', history.length <= 60)],
  } as TopLevelSpec;
}

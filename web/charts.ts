/** Live loss and accuracy curves: vega-lite specs compiled to vega views, fed one row per epoch. */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { EpochMetrics } from '../src/train/loop.js';

type Point = { epoch: number; split: string; value: number };

function spec(title: string, yTitle: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 360,
    height: 220,
    data: { name: 'points' },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', title: 'epoch', axis: { labelAngle: 0, labelOverlap: 'parity' } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: 'split', sort: ['train', 'valid', 'test'] },
    },
  };
}

export type Charts = { add: (metrics: EpochMetrics) => Promise<void>; clear: () => Promise<void> };

async function chart(container: HTMLElement, title: string, yTitle: string): Promise<vega.View> {
  const view = new vega.View(vega.parse(compile(spec(title, yTitle)).spec), { renderer: 'svg', container, hover: true });
  await view.runAsync();
  return view;
}

export async function makeCharts(lossEl: HTMLElement, accEl: HTMLElement): Promise<Charts> {
  const loss = await chart(lossEl, 'Cross-entropy loss', 'loss');
  const acc = await chart(accEl, 'Accuracy', 'accuracy');
  // resize(): re-layout once rows exist, since the legend is empty (so narrow) until the first epoch;
  // vega cannot lay out the empty legend itself (its bounds come out infinite).
  const insert = (view: vega.View, points: Point[]): Promise<vega.View> => view.change('points', vega.changeset().insert(points)).resize().runAsync();
  return {
    add: async (m) => {
      await insert(loss, [
        { epoch: m.epoch, split: 'train', value: m.trainLoss },
        { epoch: m.epoch, split: 'valid', value: m.validLoss },
        { epoch: m.epoch, split: 'test', value: m.testLoss },
      ]);
      await insert(acc, [
        { epoch: m.epoch, split: 'train', value: m.trainAcc },
        { epoch: m.epoch, split: 'valid', value: m.validAcc },
        { epoch: m.epoch, split: 'test', value: m.testAcc },
      ]);
    },
    clear: async () => {
      for (const view of [loss, acc]) await view.change('points', vega.changeset().remove(() => true)).runAsync();
    },
  };
}

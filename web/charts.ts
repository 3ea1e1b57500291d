/** Live loss and accuracy curves: vega-lite specs compiled to vega views, fed one row per epoch. */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { curveRows, type CurveRow } from '../src/plot/curves.js';
import type { EpochMetrics } from '../src/train/loop.js';

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
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false }, axis: yTitle === 'accuracy' ? { format: '.1%' } : {} },
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
  const insert = (view: vega.View, points: CurveRow[]): Promise<vega.View> => view.change('points', vega.changeset().insert(points)).resize().runAsync();
  return {
    add: async (m) => {
      const rows = curveRows([m]);
      await insert(loss, rows.filter((r) => r.metric === 'loss'));
      await insert(acc, rows.filter((r) => r.metric === 'accuracy'));
    },
    clear: async () => {
      for (const view of [loss, acc]) await view.change('points', vega.changeset().remove(() => true)).runAsync();
    },
  };
}

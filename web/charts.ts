/**
 * The page's live charts: vega-lite specs compiled to vega views that fill their container's width
 * (legends below the plot, so a narrow screen does not cut them), fed rows as the run goes.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { curveRows } from '../src/plot/curves.js';
import type { EpochMetrics } from '../src/train/loop.js';
import type { GradientProbe } from './worker_protocol.js';

type Row = Record<string, number | string>;

type LineChart = {
  title: string;
  /** Ordinal for epochs (whole numbers only, one band each), quantitative for steps. */
  x: { field: string; title: string; ordinal?: boolean };
  /** `percent`: fractions shown as "81.0 %", as in the page's tables. */
  y: { field: string; title: string; percent?: boolean; log?: boolean };
  color?: { field: string; title: string; sort?: string[] };
  points?: boolean;
};

function lineSpec(c: LineChart): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: c.title,
    width: 'container',
    height: 200,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { name: 'points' },
    mark: { type: 'line', point: c.points ?? false, clip: true },
    encoding: {
      x:
        c.x.ordinal === true
          ? { field: c.x.field, type: 'ordinal', title: c.x.title, axis: { labelAngle: 0, labelOverlap: 'parity' } }
          : { field: c.x.field, type: 'quantitative', title: c.x.title, axis: { format: 'd', tickMinStep: 1 } },
      y: {
        field: c.y.field,
        type: 'quantitative',
        title: c.y.title,
        scale: c.y.log === true ? { type: 'log' } : { zero: false },
        axis: c.y.percent === true ? { labelExpr: "format(datum.value * 100, '.1f') + ' %'" } : {},
      },
      ...(c.color === undefined
        ? {}
        : { color: { field: c.color.field, type: 'nominal', title: c.color.title, sort: c.color.sort, legend: { orient: 'bottom', direction: 'horizontal', columns: 4 } } }),
    },
  };
}

type View = { add: (rows: Row[]) => Promise<void>; clear: () => Promise<void> };

async function makeView(container: HTMLElement, chart: LineChart): Promise<View> {
  const view = new vega.View(vega.parse(compile(lineSpec(chart)).spec), { renderer: 'svg', container });
  await view.runAsync();
  // resize(): re-layout once rows exist, since the legend is empty (so narrow) until then;
  // vega cannot lay out the empty legend itself (its bounds come out infinite).
  return {
    add: async (rows) => {
      if (rows.length > 0) await view.change('points', vega.changeset().insert(rows)).resize().runAsync();
    },
    clear: async () => {
      await view.change('points', vega.changeset().remove(() => true)).runAsync();
    },
  };
}

export type Charts = {
  addEpoch: (metrics: EpochMetrics) => Promise<void>;
  /** Queues per-step rows; they are drawn at most every FLUSH_MS. */
  addBatch: (step: number, loss: number) => void;
  addProbe: (probe: GradientProbe) => void;
  /** Draws what is queued now; resolves when every chart shows every row given so far. */
  flush: () => Promise<void>;
  clear: () => Promise<void>;
};

/** Each chart redraws in a task of its own, so no main-thread task holds more than one redraw. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Per-step rows are drawn in groups, so a fast run does not redraw the charts hundreds of times a second. */
const FLUSH_MS = 250;

export type ChartElements = { loss: HTMLElement; accuracy: HTMLElement; batchLoss: HTMLElement; gradNorms: HTMLElement };

export async function makeCharts(el: ChartElements): Promise<Charts> {
  const split = { field: 'split', title: 'split', sort: ['train', 'valid', 'test'] };
  const loss = await makeView(el.loss, { title: 'Cross-entropy loss per epoch', x: { field: 'epoch', title: 'epoch', ordinal: true }, y: { field: 'value', title: 'loss (nats)' }, color: split, points: true });
  const accuracy = await makeView(el.accuracy, {
    title: 'Accuracy per epoch',
    x: { field: 'epoch', title: 'epoch', ordinal: true },
    y: { field: 'value', title: 'accuracy (%)', percent: true },
    color: split,
    points: true,
  });
  const batchLoss = await makeView(el.batchLoss, { title: 'Loss of each training batch', x: { field: 'step', title: 'step (batches so far)' }, y: { field: 'loss', title: 'loss (nats, log)', log: true } });
  const gradNorms = await makeView(el.gradNorms, {
    title: 'Gradient norm ‖∂L/∂W‖ per layer (probe batch)',
    x: { field: 'step', title: 'step (batches so far)' },
    y: { field: 'norm', title: '‖∂L/∂W‖ (log)', log: true },
    color: { field: 'layer', title: 'layer' },
    points: true,
  });
  let pendingBatch: Row[] = [];
  let pendingProbe: Row[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let drawing = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const [b, p] = [pendingBatch, pendingProbe];
    pendingBatch = [];
    pendingProbe = [];
    drawing = drawing
      .then(() => batchLoss.add(b))
      .then(nextTask)
      .then(() => gradNorms.add(p));
    return drawing;
  };
  const schedule = (): void => {
    timer ??= setTimeout(() => void flush(), FLUSH_MS);
  };
  return {
    addEpoch: (m) => {
      const rows = curveRows([m]);
      drawing = drawing
        .then(() => loss.add(rows.filter((r) => r.metric === 'loss')))
        .then(nextTask)
        .then(() => accuracy.add(rows.filter((r) => r.metric === 'accuracy')));
      return drawing;
    },
    addBatch: (step, value) => {
      // A log scale has no place for 0, NaN or ∞ (the page warns about those in words).
      if (Number.isFinite(value) && value > 0) pendingBatch.push({ step, loss: value });
      schedule();
    },
    addProbe: (probe) => {
      for (const l of probe.layers) {
        const norm = l.manual ?? l.autodiff;
        if (Number.isFinite(norm) && norm > 0) pendingProbe.push({ step: probe.step, layer: `W${l.layer}`, norm });
      }
      schedule();
    },
    flush,
    clear: async () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pendingBatch = [];
      pendingProbe = [];
      await drawing;
      for (const view of [loss, accuracy, batchLoss, gradNorms]) await view.clear();
    },
  };
}

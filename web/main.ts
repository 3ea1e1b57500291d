/** The training page: controls → the project's trainer on the chosen backend, live curves, gradient check. */
import { DEFAULT_CHECK_OPTIONS, validateCheckOptions, type CheckOptions } from '../src/compare/checks.js';
import type { Dataset } from '../src/data/dataset.js';
import { ADAM_DEFAULTS, GRAD_MODES, OPTIMIZERS, PAGE_TRAIN_DEFAULTS, TRAIN_DEFAULTS, type GradMode, type OptimizerKind, type TrainConfig } from '../src/train/config.js';
import { disposeTrainState, initTrainState, type EpochMetrics } from '../src/train/loop.js';
import { PAGE_BACKENDS, type PageBackend } from '../src/browser/protocol.js';
import { installPageApi } from './api.js';
import { pageInfo, useBackend } from './backend.js';
import { makeCharts, type Charts } from './charts.js';
import { runCompareOnPage } from './compare.js';
import { loadBundledMnist } from './mnist.js';
import { trainOnPage } from './training.js';

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page: #${id} is missing`);
  return el as T;
}

function setStatus(state: 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'error', text: string): void {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function pick<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

function intField(id: string, name: string, min: number): number {
  const v = Number($<HTMLInputElement>(id).value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name}: must be an integer ≥ ${min}, got "${$<HTMLInputElement>(id).value}"`);
  return v;
}

/** The form's starting values: the page's training defaults and the checker's (src/train/config.ts, src/compare/checks.ts). */
function fillDefaults(): void {
  const d = PAGE_TRAIN_DEFAULTS;
  const fields: [string, string][] = [
    ['backend', d.backend],
    ['layers', d.layers.join(',')],
    ['epochs', String(d.epochs)],
    ['grad', d.grad],
    ['optimizer', d.optimizer],
    ['lr', String(d.lr)],
    ['batch', String(d.batchSize)],
    ['seed', String(d.seed)],
    ['compare-layers', DEFAULT_CHECK_OPTIONS.layers.join(',')],
    ['compare-batch', String(DEFAULT_CHECK_OPTIONS.batch)],
    ['compare-seed', String(DEFAULT_CHECK_OPTIONS.seed)],
  ];
  for (const [id, value] of fields) $<HTMLInputElement | HTMLSelectElement>(id).value = value;
}

/** Reads the form into a TrainConfig, with one-line errors naming the field. */
function readConfig(data: Dataset): TrainConfig {
  const layers = $<HTMLInputElement>('layers').value.split(',').map((s) => Number(s.trim()));
  if (layers.length < 2 || layers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`layer sizes: expected comma-separated positive integers like 784,64,10, got "${$<HTMLInputElement>('layers').value}"`);
  }
  if (layers[0] !== data.features || layers[layers.length - 1] !== data.classes) {
    throw new Error(`layer sizes: must start with ${data.features} (pixels) and end with ${data.classes} (classes), got ${layers.join(',')}`);
  }
  const lr = Number($<HTMLInputElement>('lr').value);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`learning rate: must be a positive number, got "${$<HTMLInputElement>('lr').value}"`);
  return {
    layers,
    seed: intField('seed', 'seed', 0),
    grad: pick<GradMode>($<HTMLSelectElement>('grad').value, GRAD_MODES, 'gradients'),
    optimizer: {
      kind: pick<OptimizerKind>($<HTMLSelectElement>('optimizer').value, OPTIMIZERS, 'optimizer'),
      lr,
      momentum: TRAIN_DEFAULTS.momentum,
      ...ADAM_DEFAULTS,
    },
    batchSize: intField('batch', 'batch size', 0),
    epochs: intField('epochs', 'epochs', 1),
  };
}

/** The checker's options from the page (defaults: those of `npm run compare`). */
function readCheckOptions(): CheckOptions {
  const layers = $<HTMLInputElement>('compare-layers').value.split(',').map((s) => Number(s.trim()));
  const options: CheckOptions = { ...DEFAULT_CHECK_OPTIONS, layers, batch: intField('compare-batch', 'check batch', 1), seed: intField('compare-seed', 'check seed', 0) };
  validateCheckOptions(options);
  return options;
}

function addEpochRow(m: EpochMetrics, numTensors: number): void {
  const row = document.createElement('tr');
  row.dataset.epoch = String(m.epoch);
  row.dataset.trainLoss = String(m.trainLoss);
  row.dataset.testAcc = String(m.testAcc);
  row.dataset.numTensors = String(numTensors);
  const cells = [m.epoch, m.trainLoss.toFixed(5), m.trainAcc.toFixed(4), m.validLoss.toFixed(5), m.validAcc.toFixed(4), m.testLoss.toFixed(5), m.testAcc.toFixed(4), m.seconds.toFixed(2), numTensors];
  for (const value of cells) {
    const td = document.createElement('td');
    td.textContent = String(value);
    row.append(td);
  }
  $('epoch-table').querySelector('tbody')?.append(row);
}

async function main(): Promise<void> {
  fillDefaults();
  installPageApi();
  const data = await loadBundledMnist();
  $('data-sizes').textContent = `${data.train.n} train / ${data.valid.n} valid / ${data.test.n} test images`;
  const charts: Charts = await makeCharts($('loss-chart'), $('acc-chart'));
  const info = await useBackend('webgl').catch(() => pageInfo());
  $('renderer').textContent = `${info.renderer} (WebGL ${info.webglVersion})`;
  let stopRequested = false;
  let busy = false;

  const run = async (task: () => Promise<void>): Promise<void> => {
    if (busy) return;
    busy = true;
    for (const id of ['train', 'compare']) $<HTMLButtonElement>(id).disabled = true;
    try {
      await task();
    } catch (error) {
      setStatus('error', error instanceof Error ? error.message : String(error));
    } finally {
      busy = false;
      for (const id of ['train', 'compare']) $<HTMLButtonElement>(id).disabled = false;
      $<HTMLButtonElement>('stop').disabled = true;
    }
  };

  $('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    void run(async () => {
      const config = readConfig(data);
      const backend = pick<PageBackend>($<HTMLSelectElement>('backend').value, PAGE_BACKENDS, 'backend');
      await useBackend(backend);
      $('epoch-table').querySelector('tbody')?.replaceChildren();
      await charts.clear();
      stopRequested = false;
      $<HTMLButtonElement>('stop').disabled = false;
      setStatus('training', `Training on ${backend}…`);
      const result = await trainOnPage(config, data, initTrainState(config), {
        onEpoch: async (metrics, _state, memory) => {
          addEpochRow(metrics, memory.numTensors);
          await charts.add(metrics);
          setStatus('training', `Training on ${backend}: epoch ${metrics.epoch}/${config.epochs}, train loss ${metrics.trainLoss.toFixed(4)}`);
        },
        shouldStop: () => stopRequested,
      });
      disposeTrainState(result.state);
      const last = result.state.history.at(-1);
      const summary = last === undefined ? 'no epoch finished' : `train loss ${last.trainLoss.toFixed(4)}, test accuracy ${(100 * last.testAcc).toFixed(1)}%`;
      setStatus(result.stopped ? 'stopped' : 'done', `${result.stopped ? 'Stopped' : 'Done'} on ${backend}: ${summary}`);
    });
  });
  $('stop').addEventListener('click', () => {
    stopRequested = true;
  });
  $('compare').addEventListener('click', () => {
    void run(async () => {
      const backend = pick<PageBackend>($<HTMLSelectElement>('backend').value, PAGE_BACKENDS, 'backend');
      const summary = $('compare-summary');
      summary.dataset.state = 'running';
      summary.textContent = `Checking gradients on ${backend}…`;
      $('compare-table').textContent = '';
      const report = await runCompareOnPage(backend, readCheckOptions()).catch((error: unknown) => {
        summary.dataset.state = 'error';
        summary.textContent = `Check failed to run: ${error instanceof Error ? error.message : String(error)}`;
        throw error;
      });
      $('compare-table').textContent = report.table;
      summary.dataset.state = report.allPass ? 'pass' : 'fail';
      summary.className = report.allPass ? 'pass' : 'fail';
      summary.textContent = report.summary;
    });
  });
  setStatus('ready', 'Ready.');
}

main().catch((error: unknown) => setStatus('error', error instanceof Error ? error.message : String(error)));

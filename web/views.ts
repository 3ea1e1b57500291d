/** The page's tables and pictures, drawn from the worker's messages (DOM only, no tfjs). */
import type { CheckReport, CheckRow } from '../src/checks/checks.js';
import type { EpochMetrics } from '../src/train/loop.js';
import { percent } from './run_status.js';
import type { DigitImage, DigitPrediction, GradientProbe } from './worker_protocol.js';

type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** 3 significant digits, in exponent form outside [0.01, 10⁴). */
export function num(v: number | null): string {
  if (v === null) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.01 && a < 1e4 ? v.toPrecision(3) : v.toExponential(2);
}

/** One row of the epoch table; its data-* attributes carry the exact numbers (for tests and scripts). */
export function epochRow(m: EpochMetrics, numTensors: number, trainSeconds: number): HTMLTableRowElement {
  const row = el('tr');
  Object.assign(row.dataset, { epoch: String(m.epoch), trainLoss: String(m.trainLoss), testAcc: String(m.testAcc), numTensors: String(numTensors), trainSeconds: String(trainSeconds) });
  const cells = [String(m.epoch), m.trainLoss.toFixed(4), percent(m.trainAcc), m.validLoss.toFixed(4), percent(m.validAcc), m.testLoss.toFixed(4), percent(m.testAcc), trainSeconds.toFixed(2), m.evalSeconds.toFixed(2), String(numTensors)];
  row.append(...cells.map((text) => el('td', {}, text)));
  return row;
}

/** What a probe's zero gradients mean, or '' when every layer gets one. */
export function zeroGradientNote(probe: GradientProbe): string {
  const dead = probe.layers.filter((l) => (l.manual ?? l.autodiff) === 0).map((l) => `W${l.layer}`);
  if (dead.length === 0) return '';
  return `${dead.join(', ')} ${dead.length === 1 ? 'gets' : 'get'} no gradient at all on the probe batch: every ReLU feeding ${dead.length === 1 ? 'it' : 'them'} is off (relu′ = 0 for R ≤ 0), so ${dead.length === 1 ? 'it' : 'they'} can no longer learn ("dead ReLUs", typically after a too-large step).`;
}

/** The gradient table: per layer, ‖W‖ and ‖∂L/∂W‖ two ways, and how far apart they are. */
export function renderNorms(tbody: HTMLElement, probe: GradientProbe): void {
  tbody.replaceChildren(
    ...probe.layers.map((l) => {
      const relative = l.difference === null ? null : l.difference / Math.max(l.autodiff, Number.MIN_VALUE);
      const row = el(
        'tr',
        { 'data-layer': String(l.layer), 'data-manual': String(l.manual), 'data-autodiff': String(l.autodiff), 'data-difference': String(l.difference) },
        el('th', { scope: 'row' }, `W${l.layer} (${l.shape[0]}×${l.shape[1]})`),
        el('td', {}, num(l.weight)),
        el('td', {}, num(l.manual)),
        el('td', {}, num(l.autodiff)),
        el('td', {}, num(l.difference)),
        el('td', {}, relative === null ? '—' : num(relative)),
      );
      return row;
    }),
  );
}

/** The sample digits, drawn once; predictions fill their captions later. */
export function renderDigits(container: HTMLElement, digits: DigitImage[]): void {
  container.replaceChildren(
    ...digits.map((d) => {
      const canvas = el('canvas', { width: '28', height: '28', 'aria-hidden': 'true' });
      const ctx = canvas.getContext('2d');
      if (ctx !== null) {
        const image = ctx.createImageData(28, 28);
        d.pixels.forEach((v, i) => {
          image.data.set([255 - v, 255 - v, 255 - v, 255], 4 * i); // dark ink on white
        });
        ctx.putImageData(image, 0, 0);
      }
      return el('figure', { 'data-index': String(d.index), 'data-label': String(d.label) }, canvas, el('figcaption', {}, `true ${d.label}: not trained yet`));
    }),
  );
}

export function updateDigits(container: HTMLElement, predictions: DigitPrediction[]): void {
  for (const p of predictions) {
    const figure = container.querySelector<HTMLElement>(`figure[data-index="${p.index}"]`);
    if (figure === null) continue;
    const right = String(p.predicted) === figure.dataset.label;
    figure.className = right ? 'right' : 'wrong';
    figure.dataset.predicted = String(p.predicted);
    figure.dataset.probability = String(p.probability);
    figure.querySelector('figcaption')!.textContent = `${right ? '✓' : '✗'} predicted ${p.predicted} (${percent(p.probability)}), true ${figure.dataset.label}`;
  }
}

/** rows: true digit, columns: predicted digit; the shade is the share of the row. */
export function renderConfusion(table: HTMLTableElement, confusion: number[][]): void {
  const classes = confusion.length;
  const head = el('tr', {}, el('th', { scope: 'col' }, 'true ↓ / predicted →'), ...confusion.map((_, k) => el('th', { scope: 'col' }, String(k))));
  const body = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return el(
      'tr',
      {},
      el('th', { scope: 'row' }, String(t)),
      ...row.map((count, p) => {
        const share = total === 0 ? 0 : count / total;
        const hue = t === p ? '0, 120, 60' : '200, 30, 30';
        const style = count === 0 ? '' : `background: rgba(${hue}, ${(0.12 + 0.88 * share).toFixed(2)}); color: ${share > 0.5 ? '#fff' : '#000'}`;
        return el('td', { style, title: `true ${t}, predicted ${p}: ${count} image${count === 1 ? '' : 's'}`, 'data-count': String(count) }, String(count));
      }),
    );
  });
  const caption = table.querySelector('caption');
  table.replaceChildren(...(caption === null ? [] : [caption]), el('thead', {}, head), el('tbody', {}, ...body));
  table.dataset.classes = String(classes);
}

/** How bad a row is: error over tolerance (∞ for any error where the tolerance is 0). */
export function badness(row: CheckRow): number {
  if (row.tol > 0) return row.maxRelErr / row.tol;
  return row.maxAbsErr > 0 ? Infinity : 0;
}

/** Failing rows first, then by error/tolerance, largest first. */
export function worstFirst(rows: readonly CheckRow[]): CheckRow[] {
  return [...rows].sort((a, b) => Number(a.pass) - Number(b.pass) || badness(b) - badness(a) || 0);
}

export type CheckFilter = { text: string; failuresOnly: boolean };

export function renderCheckTable(tbody: HTMLElement, report: CheckReport, filter: CheckFilter): number {
  const needle = filter.text.trim().toLowerCase();
  const rows = worstFirst(report.checks).filter((r) => (!filter.failuresOnly || !r.pass) && (needle === '' || `${r.name} ${r.kind}`.toLowerCase().includes(needle)));
  tbody.replaceChildren(
    ...rows.map((r) =>
      el(
        'tr',
        { class: r.pass ? 'pass' : 'fail', 'data-name': r.name, 'data-kind': r.kind, 'data-ratio': String(badness(r)) },
        el('td', {}, r.name),
        el('td', {}, r.kind),
        el('td', {}, num(r.maxAbsErr)),
        el('td', {}, num(r.maxRelErr)),
        el('td', {}, r.tol === 0 ? '0' : r.tol.toExponential(0)),
        el('td', {}, r.tol === 0 ? (r.maxAbsErr === 0 ? '0' : '∞') : num(r.maxRelErr / r.tol)),
        el('td', {}, r.pass ? 'pass' : 'FAIL'),
        el('td', {}, r.checked === r.total ? String(r.total) : `${r.checked} of ${r.total}`),
      ),
    ),
  );
  return rows.length;
}

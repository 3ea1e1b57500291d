/**
 * The page's DOM on the main thread: element lookup, the status lines, the form fields' marks, and
 * the views the controller (main.ts) redraws from what the workers report.
 */
import { parameterCount } from '../src/model/mlp.js';
import type { TrainConfig } from '../src/train/config.js';
import { FieldError, parseLayers } from './form.js';
import { formatDuration } from './run_status.js';
import { renderDigits } from './views.js';
import { WEB_BACKENDS, type BackendStatus, type DigitImage, type FromWorker, type WebBackend } from './worker_protocol.js';

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`page: #${id} is missing`);
  return node as T;
}

type RunState = 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'diverged' | 'warning' | 'error';
type CheckState = 'idle' | 'running' | 'pass' | 'fail' | 'error' | 'cancelled';

export function setStatus(state: RunState, text: string): void {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
}

export function setCheckSummary(state: CheckState, text: string): void {
  const summary = $('compare-summary');
  summary.dataset.state = state;
  summary.textContent = text;
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function fieldValues<K extends string>(ids: K[]): Record<K, string> {
  return Object.fromEntries(ids.map((id) => [id, $<HTMLInputElement | HTMLSelectElement>(id).value])) as Record<K, string>;
}

/** Marks the field of a FieldError (and focuses it); any other error marks nothing. */
export function markField(error: unknown): void {
  if (!(error instanceof FieldError)) return;
  const field = $(error.field);
  field.setAttribute('aria-invalid', 'true');
  field.focus();
}

export function clearMarks(ids: string[]): void {
  for (const id of ids) $(id).removeAttribute('aria-invalid');
}

/** Sets a text only when it changed, so an unchanged line costs no re-render. */
export function setText(id: string, text: string): void {
  const node = $(id);
  if (node.textContent !== text) node.textContent = text;
}

export function selectedBackend(): WebBackend {
  return $<HTMLSelectElement>('backend').value as WebBackend;
}

export function describeConfig(c: TrainConfig): string {
  return `${c.layers.join('-')}, ${c.grad} gradients, ${c.optimizer.kind} lr ${c.optimizer.lr}, ${c.batchSize === 0 ? 'full batch' : `batch ${c.batchSize}`}`;
}

export function showParamCount(): void {
  try {
    const layers = parseLayers($<HTMLInputElement>('layers').value, 'layers');
    const count = parameterCount(layers);
    const terms = layers.slice(1).map((out, l) => `${layers[l]}·${out} + ${out}`);
    $('param-count').textContent = `${count.toLocaleString('en-US')} trainable parameters (${terms.join(' + ')}: weights and biases).`;
  } catch {
    $('param-count').textContent = 'Parameter count: enter layer sizes like 784,64,10.';
  }
}

/** The backends the worker found: the select's options, the list with each one's detail, the WebGL renderer; selects the first available if need be. */
export function showBackends(statuses: BackendStatus[], backends: ReadonlyMap<WebBackend, BackendStatus>): void {
  const select = $<HTMLSelectElement>('backend');
  for (const option of Array.from(select.options)) {
    const status = backends.get(option.value as WebBackend);
    option.disabled = status?.available !== true;
    option.textContent = status?.available === true ? option.value : `${option.value} (not available)`;
  }
  $('backend-list').replaceChildren(
    ...statuses.flatMap((s) => {
      const dt = document.createElement('dt');
      dt.textContent = s.backend;
      const dd = document.createElement('dd');
      dd.id = `backend-${s.backend}`;
      dd.dataset.available = String(s.available);
      dd.className = s.available ? '' : 'unavailable';
      const kernels = s.available && !s.handgradKernels ? " — handgrad's kernels are not registered here: autodiff only, no gradient check" : '';
      dd.textContent = `${s.detail}${kernels}`;
      return [dt, dd];
    }),
  );
  const webgl = backends.get('webgl');
  $('renderer').textContent = webgl?.available === true ? webgl.detail.replace(/^WebGL (\d): (.*)$/, '$2 (WebGL $1)') : (webgl?.detail ?? 'none');
  const first = WEB_BACKENDS.find((b) => backends.get(b)?.available === true) ?? 'cpu';
  if (backends.get(selectedBackend())?.available !== true) select.value = first;
}

/** Empties what the last run drew, for a new one. */
export function resetRunViews(digits: DigitImage[]): void {
  $('epoch-table').querySelector('tbody')!.replaceChildren();
  $('norms-table').querySelector('tbody')!.replaceChildren();
  $('norms-warning').textContent = '';
  renderDigits($('digits'), digits);
  $('confusion').querySelector('thead')?.remove();
  $('confusion').querySelector('tbody')?.remove();
  $('warning').textContent = '';
  $('timing').textContent = '';
  $<HTMLProgressElement>('progress').value = 0;
  $('progress').dataset.step = '0';
  const status = $('status');
  for (const key of ['stopLatencyMs', 'stepsAfterStop']) delete status.dataset[key];
}

/** How fast Stop was answered, for the status line (and on #status's data set, for scripts). */
export function stopAnswer(message: Extract<FromWorker, { type: 'trained' }>, pressed: { time: number } | null): string {
  if (pressed === null) return '';
  const latency = Math.round(performance.now() - pressed.time);
  const after = message.stepsAfterStop ?? 0;
  Object.assign($('status').dataset, { stopLatencyMs: String(latency), stepsAfterStop: String(after) });
  return ` (Stop answered in ${latency} ms: ${after === 0 ? 'no step' : after === 1 ? 'only the step in flight' : `${after} steps`} ended after it was pressed)`;
}

/** The check's summary line once it finished. */
export function showCheckVerdict(failed: number, rows: number, backend: string, seconds: number): void {
  setCheckSummary(
    failed === 0 ? 'pass' : 'fail',
    failed === 0 ? `all ${rows} checks pass on ${backend} (${formatDuration(seconds)})` : `${failed} of ${rows} checks FAIL on ${backend} (${formatDuration(seconds)})`,
  );
}

/**
 * The training page's main thread: reads the forms, hands the work to Web Workers (web/worker.ts)
 * and draws what they report. No tfjs computation happens here, so the page never freezes.
 */
import { CHECK_STAGES, DEFAULT_CHECK_OPTIONS, type CheckReport } from '../src/compare/checks.js';
import { parameterCount } from '../src/model/mlp.js';
import type { TrainConfig } from '../src/train/config.js';
import type { EpochMetrics } from '../src/train/loop.js';
import { installPageApi } from './api.js';
import { makeCharts, type Charts } from './charts.js';
import { defaultFields, FieldError, parseLayers, readCheckOptions, readTrainConfig, type CheckFields, type TrainFields } from './form.js';
import { assessRun, formatDuration, percent, remainingSeconds, speedNote } from './run_status.js';
import { epochRow, renderCheckTable, renderConfusion, renderDigits, renderNorms, updateDigits, zeroGradientNote } from './views.js';
import { WEB_BACKENDS, type BackendStatus, type DataSummary, type DigitImage, type FromWorker, type ToWorker, type WebBackend } from './worker_protocol.js';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`page: #${id} is missing`);
  return node as T;
}

type RunState = 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'diverged' | 'warning' | 'error';
type CheckState = 'idle' | 'running' | 'pass' | 'fail' | 'error' | 'cancelled';

function setStatus(state: RunState, text: string): void {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
}

function setCheckSummary(state: CheckState, text: string): void {
  const summary = $('compare-summary');
  summary.dataset.state = state;
  summary.textContent = text;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const TRAIN_FIELDS: (keyof TrainFields)[] = ['layers', 'epochs', 'grad', 'optimizer', 'lr', 'batch', 'seed'];
const CHECK_FIELDS: (keyof CheckFields)[] = ['compare-layers', 'compare-batch', 'compare-seed'];

function fieldValues<K extends string>(ids: K[]): Record<K, string> {
  return Object.fromEntries(ids.map((id) => [id, $<HTMLInputElement | HTMLSelectElement>(id).value])) as Record<K, string>;
}

/** Marks the field of a FieldError (and focuses it); any other error marks nothing. */
function markField(error: unknown): void {
  if (!(error instanceof FieldError)) return;
  const field = $(error.field);
  field.setAttribute('aria-invalid', 'true');
  field.focus();
}

function clearMarks(ids: string[]): void {
  for (const id of ids) $(id).removeAttribute('aria-invalid');
}

/** How often the elapsed and remaining times are redrawn. */
const TICK_MS = 1000;

/** Sets a text only when it changed, so an unchanged line costs no re-render. */
function setText(id: string, text: string): void {
  const node = $(id);
  if (node.textContent !== text) node.textContent = text;
}

function newWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'handgrad' });
}

/** The run in progress (or last finished), as the page tracks it. */
type Run = {
  backend: WebBackend;
  config: TrainConfig;
  startedAt: number;
  stepsTotal: number;
  stepsDone: number;
  epoch: number;
  batch: number;
  batches: number;
  history: EpochMetrics[];
  /** When Stop was pressed (performance.now()). */
  stopPressedAt: { time: number } | null;
};

function describeConfig(c: TrainConfig): string {
  return `${c.layers.join('-')}, ${c.grad} gradients, ${c.optimizer.kind} lr ${c.optimizer.lr}, ${c.batchSize === 0 ? 'full batch' : `batch ${c.batchSize}`}`;
}

async function main(): Promise<void> {
  for (const [id, value] of Object.entries(defaultFields())) $<HTMLInputElement | HTMLSelectElement>(id).value = value;
  installPageApi();
  const charts: Charts = await makeCharts({ loss: $('loss-chart'), accuracy: $('acc-chart'), batchLoss: $('batch-chart'), gradNorms: $('norm-chart') });
  const trainer = newWorker();
  let checker: Worker | undefined;
  let data: DataSummary | undefined;
  const backends = new Map<WebBackend, BackendStatus>();
  let busy: 'train' | 'check' | null = null;
  let run: Run | undefined;
  let check: { backend: WebBackend; startedAt: number; stage: number; stages: number; label: string; rowsDone: number } | undefined;
  let report: CheckReport | undefined;
  let digits: DigitImage[] = [];
  let ticker: ReturnType<typeof setInterval> | undefined;

  const selectedBackend = (): WebBackend => $<HTMLSelectElement>('backend').value as WebBackend;

  const setBusy = (kind: typeof busy): void => {
    busy = kind;
    const idle = kind === null;
    const ready = data !== undefined;
    $<HTMLFieldSetElement>('train-fields').disabled = !idle;
    $<HTMLFieldSetElement>('check-fields').disabled = !idle;
    $<HTMLSelectElement>('backend').disabled = !idle;
    $<HTMLButtonElement>('train').disabled = !idle || !ready;
    $<HTMLButtonElement>('compare').disabled = !idle || !ready;
    $<HTMLButtonElement>('stop').disabled = kind !== 'train';
    $<HTMLButtonElement>('cancel-compare').disabled = kind !== 'check';
    $('compare-progress').hidden = kind !== 'check';
    $('compare-timing').hidden = kind !== 'check';
    if (ticker !== undefined) clearInterval(ticker);
    ticker = idle ? undefined : setInterval(tick, TICK_MS);
  };

  /** Elapsed and remaining time, once a second while something runs (each redraw is a frame to render). */
  const tick = (): void => {
    if (busy === 'train' && run !== undefined) {
      $<HTMLProgressElement>('progress').value = run.stepsTotal === 0 ? 0 : run.stepsDone / run.stepsTotal;
      const elapsed = (performance.now() - run.startedAt) / 1000;
      const left = remainingSeconds(elapsed, run.stepsDone, run.stepsTotal);
      const where = run.epoch === 0 ? 'starting' : `epoch ${run.epoch} of ${run.config.epochs}, batch ${run.batch} of ${run.batches}`;
      setText('timing', `${where} · elapsed ${formatDuration(elapsed)} · ${Number.isNaN(left) ? 'estimating time left…' : `about ${formatDuration(left)} left`}`);
    }
    if (busy === 'check' && check !== undefined) setText('compare-timing', `${formatDuration((performance.now() - check.startedAt) / 1000)} elapsed`);
  };

  /** The check's stage in its aria-live summary: said once per stage, not at every tick. */
  const showCheckStage = (): void => {
    if (check === undefined) return;
    const stage = check.stage === 0 ? 'starting the worker' : `stage ${check.stage} of ${check.stages}: ${check.label}`;
    setCheckSummary('running', `Checking gradients on ${check.backend}… ${stage}; ${check.rowsDone} rows done.`);
  };

  const showBackend = (): void => {
    const status = backends.get(selectedBackend());
    $('backend-note').textContent = status === undefined ? 'Looking for backends…' : speedNote(status);
  };

  const showParamCount = (): void => {
    try {
      const layers = parseLayers($<HTMLInputElement>('layers').value, 'layers');
      const count = parameterCount(layers);
      const terms = layers.slice(1).map((out, l) => `${layers[l]}·${out} + ${out}`);
      $('param-count').textContent = `${count.toLocaleString('en-US')} trainable parameters (${terms.join(' + ')}: weights and biases).`;
    } catch {
      $('param-count').textContent = 'Parameter count: enter layer sizes like 784,64,10.';
    }
  };

  const clearCheck = (): void => {
    report = undefined;
    $('compare-table').querySelector('tbody')!.replaceChildren();
    $('compare-caption').textContent = 'Worst rows first: failures, then by error ÷ tolerance.';
    setCheckSummary('idle', `Press “Compare gradients” to run the checker on ${selectedBackend()}.`);
  };

  const drawCheckTable = (): void => {
    if (report === undefined) return;
    const shown = renderCheckTable($('compare-table').querySelector('tbody')!, report, {
      text: $<HTMLInputElement>('check-filter').value,
      failuresOnly: $<HTMLSelectElement>('check-show').value === 'fail',
    });
    $('compare-caption').textContent = `${shown} of ${report.checks.length} rows on ${report.backend}; worst first: failures, then by error ÷ tolerance.`;
  };

  // ---- training -----------------------------------------------------------------------------

  const onTrainerMessage = async (message: FromWorker): Promise<void> => {
    switch (message.type) {
      case 'ready': {
        data = message.data;
        $('data-sizes').textContent = `${data.train} train / ${data.valid} valid / ${data.test} test images`;
        for (const status of message.backends) backends.set(status.backend, status);
        const select = $<HTMLSelectElement>('backend');
        for (const option of Array.from(select.options)) {
          const status = backends.get(option.value as WebBackend);
          option.disabled = status?.available !== true;
          option.textContent = status?.available === true ? option.value : `${option.value} (not available)`;
        }
        $('backend-list').replaceChildren(
          ...message.backends.flatMap((s) => {
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
        showBackend();
        digits = message.digits;
        renderDigits($('digits'), digits);
        setBusy(null);
        setStatus('ready', 'Ready.');
        return;
      }
      case 'started':
        if (run === undefined) return;
        run.stepsTotal = message.batches * run.config.epochs;
        setStatus('training', `Training on ${message.backend} (${describeConfig(run.config)})…`);
        return;
      case 'batch':
        if (run === undefined) return;
        // The progress bar is redrawn by tick(); the step count is here at once (for scripts and tests).
        Object.assign(run, { stepsDone: message.step, epoch: message.epoch, batch: message.batch, batches: message.batches });
        $('progress').dataset.step = String(message.step);
        charts.addBatch(message.step, message.loss);
        return;
      case 'probe':
        renderNorms($('norms-table').querySelector('tbody')!, message.probe);
        setText('norms-warning', zeroGradientNote(message.probe));
        $('norms-table').dataset.step = String(message.probe.step);
        $('norms-note').dataset.rows = String(message.probe.rows);
        charts.addProbe(message.probe);
        return;
      case 'epoch': {
        if (run === undefined) return;
        const m = message.metrics;
        run.history.push(m);
        $('epoch-table').querySelector('tbody')!.append(epochRow(m, message.numTensors, Math.max(0, m.seconds - message.probeSeconds)));
        renderConfusion($<HTMLTableElement>('confusion'), message.insight.confusion);
        updateDigits($('digits'), message.insight.predictions);
        const verdict = assessRun(run.history, data?.classes ?? 10, null);
        setText('warning', verdict.warning ?? '');
        setStatus('training', `Training on ${run.backend}: epoch ${m.epoch} of ${run.config.epochs} done, train loss ${m.trainLoss.toFixed(4)}, test accuracy ${percent(m.testAcc)}`);
        await charts.addEpoch(m);
        return;
      }
      case 'trained': {
        if (run === undefined) return;
        const elapsed = (performance.now() - run.startedAt) / 1000;
        // The status names the end only once every chart shows the whole run.
        await charts.flush();
        const last = run.history.at(-1);
        const summary = last === undefined ? 'no epoch finished' : `train loss ${last.trainLoss.toFixed(4)}, test accuracy ${percent(last.testAcc)}`;
        const verdict = assessRun(run.history, data?.classes ?? 10, message.nonFinite);
        setText('warning', verdict.warning ?? '');
        $('timing').textContent = `${message.steps} steps in ${formatDuration(elapsed)} (training and evaluation).`;
        $<HTMLProgressElement>('progress').value = run.stepsTotal === 0 ? 0 : message.steps / run.stepsTotal;
        if (message.stopped) {
          const pressed = run.stopPressedAt;
          const status = $('status');
          let when = '';
          if (pressed !== null) {
            const latency = Math.round(performance.now() - pressed.time);
            const after = message.stepsAfterStop ?? 0;
            Object.assign(status.dataset, { stopLatencyMs: String(latency), stepsAfterStop: String(after) });
            when = ` (Stop answered in ${latency} ms: ${after === 0 ? 'no step' : after === 1 ? 'only the step in flight' : `${after} steps`} ended after it was pressed)`;
          }
          setStatus('stopped', `Stopped on ${run.backend} after step ${message.steps} of ${run.stepsTotal}${when}: ${summary}. The unfinished epoch is not in the table.`);
        } else if (verdict.state === 'diverged') {
          setStatus('diverged', `Diverged on ${run.backend} after ${formatDuration(elapsed)}: ${summary}. See the warning.`);
        } else if (verdict.state === 'warning') {
          setStatus('warning', `Finished on ${run.backend} with a warning after ${formatDuration(elapsed)}: ${summary}.`);
        } else {
          setStatus('done', `Done on ${run.backend} in ${formatDuration(elapsed)}: ${summary}.`);
        }
        setBusy(null);
        return;
      }
      case 'error':
        if (message.task === 'hello') {
          setStatus('error', `The page failed to start: ${message.message}`);
          return;
        }
        if (message.message.startsWith('gradients:')) markField(new FieldError('grad', message.message));
        setStatus('error', message.task === 'train' ? `Training failed on ${run?.backend ?? selectedBackend()}: ${message.message}` : message.message);
        setBusy(null);
        return;
      default:
        return;
    }
  };

  // Messages are handled one after another, so an epoch's chart update finishes before the next message.
  let queue = Promise.resolve();
  trainer.onmessage = (event: MessageEvent<FromWorker>) => {
    queue = queue.then(() => onTrainerMessage(event.data)).catch((error: unknown) => setStatus('error', errorText(error)));
  };
  trainer.onerror = (event) => {
    setStatus('error', `The training worker failed: ${event.message || 'it could not load'}`);
    setBusy(null);
  };

  $('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy !== null || data === undefined) return;
    clearMarks(TRAIN_FIELDS);
    let config: TrainConfig;
    try {
      config = readTrainConfig(fieldValues(TRAIN_FIELDS), data);
    } catch (error) {
      markField(error);
      setStatus('error', errorText(error));
      return;
    }
    const backend = selectedBackend();
    run = { backend, config, startedAt: performance.now(), stepsTotal: 0, stepsDone: 0, epoch: 0, batch: 0, batches: 0, history: [], stopPressedAt: null };
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
    setBusy('train');
    setStatus('training', `Starting ${backend}…`);
    void charts.clear().then(() => trainer.postMessage({ type: 'train', backend, config } satisfies ToWorker));
  });

  $('stop').addEventListener('click', () => {
    if (busy !== 'train' || run === undefined) return;
    run.stopPressedAt ??= { time: performance.now() };
    trainer.postMessage({ type: 'stop', sentAt: performance.timeOrigin + performance.now() } satisfies ToWorker);
    $<HTMLButtonElement>('stop').disabled = true;
    setStatus('training', `Stopping on ${run.backend} after the batch in flight…`);
  });

  // ---- gradient check -----------------------------------------------------------------------

  const endCheck = (): void => {
    check = undefined;
    setBusy(null);
  };

  const onCheckerMessage = (message: FromWorker): void => {
    if (check === undefined) return;
    switch (message.type) {
      case 'check-stage':
        Object.assign(check, { stage: message.stage, stages: message.stages, label: message.label, rowsDone: message.rowsDone });
        $<HTMLProgressElement>('compare-progress').value = (message.stage - 1) / message.stages;
        showCheckStage();
        return;
      case 'checked': {
        report = message.report;
        const failed = report.checks.filter((r) => !r.pass).length;
        drawCheckTable();
        setCheckSummary(
          failed === 0 ? 'pass' : 'fail',
          failed === 0
            ? `all ${report.checks.length} checks pass on ${report.backend} (${formatDuration(message.seconds)})`
            : `${failed} of ${report.checks.length} checks FAIL on ${report.backend} (${formatDuration(message.seconds)})`,
        );
        endCheck();
        return;
      }
      case 'error':
        setCheckSummary('error', `The check could not run on ${check.backend}: ${message.message}`);
        endCheck();
        return;
      default:
        return;
    }
  };

  $('compare-controls').addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy !== null || data === undefined) return;
    clearMarks(CHECK_FIELDS);
    clearCheck();
    let options;
    try {
      options = readCheckOptions(fieldValues(CHECK_FIELDS), DEFAULT_CHECK_OPTIONS);
    } catch (error) {
      markField(error);
      setCheckSummary('error', errorText(error));
      return;
    }
    const backend = selectedBackend();
    if (checker === undefined) {
      checker = newWorker();
      checker.onmessage = (e: MessageEvent<FromWorker>) => onCheckerMessage(e.data);
      checker.onerror = (e) => {
        setCheckSummary('error', `The checker's worker failed: ${e.message || 'it could not load'}`);
        checker?.terminate();
        checker = undefined;
        endCheck();
      };
    }
    check = { backend, startedAt: performance.now(), stage: 0, stages: CHECK_STAGES.length, label: '', rowsDone: 0 };
    $<HTMLProgressElement>('compare-progress').value = 0;
    setBusy('check');
    showCheckStage();
    tick();
    checker.postMessage({ type: 'check', backend, options } satisfies ToWorker);
  });

  $('cancel-compare').addEventListener('click', () => {
    if (busy !== 'check' || check === undefined) return;
    // The checks are synchronous inside the worker: ending the worker is the only way to stop them.
    checker?.terminate();
    checker = undefined;
    const elapsed = (performance.now() - check.startedAt) / 1000;
    setCheckSummary('cancelled', `Cancelled after ${formatDuration(elapsed)} (stage ${check.stage} of ${check.stages}, ${check.rowsDone} rows done); no result.`);
    endCheck();
  });

  for (const id of ['check-filter', 'check-show']) $(id).addEventListener('input', drawCheckTable);

  // ---- the rest -----------------------------------------------------------------------------

  $('backend').addEventListener('change', () => {
    showBackend();
    // A check result on screen must be the selected backend's (the select is disabled while one runs).
    clearCheck();
  });
  $('layers').addEventListener('input', showParamCount);
  for (const id of [...TRAIN_FIELDS, ...CHECK_FIELDS]) $(id).addEventListener('input', () => $(id).removeAttribute('aria-invalid'));
  showParamCount();
  setBusy(null);
  $<HTMLButtonElement>('train').disabled = true;
  $<HTMLButtonElement>('compare').disabled = true;
  trainer.postMessage({ type: 'hello', baseUrl: document.baseURI } satisfies ToWorker);
}

main().catch((error: unknown) => setStatus('error', errorText(error)));

/**
 * The training page's main thread: reads the forms, hands the work to Web Workers (web/worker.ts)
 * and draws what they report (page_dom.ts, views.ts). No tfjs computation happens here, so the page never freezes.
 */
import { CHECK_STAGES, DEFAULT_CHECK_OPTIONS, type CheckReport } from '../src/checks/checks.js';
import type { TrainConfig } from '../src/train/config.js';
import type { EpochMetrics } from '../src/train/loop.js';
import { installPageApi } from './api.js';
import { makeCharts, type Charts } from './charts.js';
import { defaultFields, FieldError, readCheckOptions, readTrainConfig, type CheckFields, type TrainFields } from './form.js';
import {
  $,
  clearMarks,
  describeConfig,
  errorText,
  fieldValues,
  markField,
  resetRunViews,
  selectedBackend,
  setCheckSummary,
  setStatus,
  setText,
  showBackends,
  showCheckVerdict,
  showParamCount,
  stopAnswer,
} from './page_dom.js';
import { assessRun, formatDuration, percent, remainingSeconds, speedNote } from './run_status.js';
import { epochRow, renderCheckTable, renderConfusion, renderDigits, renderNorms, updateDigits, zeroGradientNote } from './views.js';
import type { BackendStatus, DataSummary, DigitImage, FromWorker, ToWorker, WebBackend } from './worker_protocol.js';

const TRAIN_FIELDS: (keyof TrainFields)[] = ['layers', 'epochs', 'grad', 'optimizer', 'lr', 'batch', 'seed'];
const CHECK_FIELDS: (keyof CheckFields)[] = ['compare-layers', 'compare-batch', 'compare-seed'];

/** How often the elapsed and remaining times are redrawn. */
const TICK_MS = 1000;

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

type Check = { backend: WebBackend; startedAt: number; stage: number; stages: number; label: string; rowsDone: number };

type WorkerMessage<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** The page's state and its answers to the forms, the buttons and the workers' messages. */
class PageController {
  private checker: Worker | undefined;
  private data: DataSummary | undefined;
  private readonly backends = new Map<WebBackend, BackendStatus>();
  private busy: 'train' | 'check' | null = null;
  private run: Run | undefined;
  private check: Check | undefined;
  private report: CheckReport | undefined;
  private digits: DigitImage[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly charts: Charts,
    private readonly trainer: Worker,
  ) {}

  setBusy(kind: 'train' | 'check' | null): void {
    this.busy = kind;
    const idle = kind === null;
    const ready = this.data !== undefined;
    $<HTMLFieldSetElement>('train-fields').disabled = !idle;
    $<HTMLFieldSetElement>('check-fields').disabled = !idle;
    $<HTMLSelectElement>('backend').disabled = !idle;
    $<HTMLButtonElement>('train').disabled = !idle || !ready;
    $<HTMLButtonElement>('compare').disabled = !idle || !ready;
    $<HTMLButtonElement>('stop').disabled = kind !== 'train';
    $<HTMLButtonElement>('cancel-compare').disabled = kind !== 'check';
    $('compare-progress').hidden = kind !== 'check';
    $('compare-timing').hidden = kind !== 'check';
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = idle ? undefined : setInterval(() => this.tick(), TICK_MS);
  }

  /** Elapsed and remaining time, once a second while something runs (each redraw is a frame to render). */
  private tick(): void {
    const { run, check } = this;
    if (this.busy === 'train' && run !== undefined) {
      $<HTMLProgressElement>('progress').value = run.stepsTotal === 0 ? 0 : run.stepsDone / run.stepsTotal;
      const elapsed = (performance.now() - run.startedAt) / 1000;
      const left = remainingSeconds(elapsed, run.stepsDone, run.stepsTotal);
      const where = run.epoch === 0 ? 'starting' : `epoch ${run.epoch} of ${run.config.epochs}, batch ${run.batch} of ${run.batches}`;
      setText('timing', `${where} · elapsed ${formatDuration(elapsed)} · ${Number.isNaN(left) ? 'estimating time left…' : `about ${formatDuration(left)} left`}`);
    }
    if (this.busy === 'check' && check !== undefined) setText('compare-timing', `${formatDuration((performance.now() - check.startedAt) / 1000)} elapsed`);
  }

  /** The check's stage in its aria-live summary: said once per stage, not at every tick. */
  private showCheckStage(): void {
    const check = this.check;
    if (check === undefined) return;
    const stage = check.stage === 0 ? 'starting the worker' : `stage ${check.stage} of ${check.stages}: ${check.label}`;
    setCheckSummary('running', `Checking gradients on ${check.backend}… ${stage}; ${check.rowsDone} rows done.`);
  }

  showBackend(): void {
    const status = this.backends.get(selectedBackend());
    $('backend-note').textContent = status === undefined ? 'Looking for backends…' : speedNote(status);
  }

  clearCheck(): void {
    this.report = undefined;
    $('compare-table').querySelector('tbody')!.replaceChildren();
    $('compare-caption').textContent = 'Worst rows first: failures, then by error ÷ tolerance.';
    setCheckSummary('idle', `Press “Compare gradients” to run the checker on ${selectedBackend()}.`);
  }

  drawCheckTable(): void {
    const report = this.report;
    if (report === undefined) return;
    const shown = renderCheckTable($('compare-table').querySelector('tbody')!, report, {
      text: $<HTMLInputElement>('check-filter').value,
      failuresOnly: $<HTMLSelectElement>('check-show').value === 'fail',
    });
    $('compare-caption').textContent = `${shown} of ${report.checks.length} rows on ${report.backend}; worst first: failures, then by error ÷ tolerance.`;
  }

  // ---- training -----------------------------------------------------------------------------

  async onTrainerMessage(message: FromWorker): Promise<void> {
    const run = this.run;
    switch (message.type) {
      case 'ready':
        return this.onReady(message);
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
        this.charts.addBatch(message.step, message.loss);
        return;
      case 'probe':
        renderNorms($('norms-table').querySelector('tbody')!, message.probe);
        setText('norms-warning', zeroGradientNote(message.probe));
        $('norms-table').dataset.step = String(message.probe.step);
        $('norms-note').dataset.rows = String(message.probe.rows);
        this.charts.addProbe(message.probe);
        return;
      case 'epoch':
        return this.onEpoch(message);
      case 'trained':
        return this.onTrained(message);
      case 'error':
        if (message.task === 'hello') {
          setStatus('error', `The page failed to start: ${message.message}`);
          return;
        }
        if (message.message.startsWith('gradients:')) markField(new FieldError('grad', message.message));
        setStatus('error', message.task === 'train' ? `Training failed on ${run?.backend ?? selectedBackend()}: ${message.message}` : message.message);
        this.setBusy(null);
        return;
      default:
        return;
    }
  }

  private onReady(message: WorkerMessage<'ready'>): void {
    const data = message.data;
    this.data = data;
    $('data-sizes').textContent = `${data.train} train / ${data.valid} valid / ${data.test} test images`;
    for (const status of message.backends) this.backends.set(status.backend, status);
    showBackends(message.backends, this.backends);
    this.showBackend();
    this.digits = message.digits;
    renderDigits($('digits'), this.digits);
    this.setBusy(null);
    setStatus('ready', 'Ready.');
  }

  private async onEpoch(message: WorkerMessage<'epoch'>): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    const m = message.metrics;
    run.history.push(m);
    $('epoch-table').querySelector('tbody')!.append(epochRow(m, message.numTensors, Math.max(0, m.seconds - message.probeSeconds)));
    renderConfusion($<HTMLTableElement>('confusion'), message.insight.confusion);
    updateDigits($('digits'), message.insight.predictions);
    const verdict = assessRun(run.history, this.data?.classes ?? 10, null);
    setText('warning', verdict.warning ?? '');
    setStatus('training', `Training on ${run.backend}: epoch ${m.epoch} of ${run.config.epochs} done, train loss ${m.trainLoss.toFixed(4)}, test accuracy ${percent(m.testAcc)}`);
    await this.charts.addEpoch(m);
  }

  private async onTrained(message: WorkerMessage<'trained'>): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    const elapsed = (performance.now() - run.startedAt) / 1000;
    // The status names the end only once every chart shows the whole run.
    await this.charts.flush();
    const last = run.history.at(-1);
    const summary = last === undefined ? 'no epoch finished' : `train loss ${last.trainLoss.toFixed(4)}, test accuracy ${percent(last.testAcc)}`;
    const verdict = assessRun(run.history, this.data?.classes ?? 10, message.nonFinite);
    setText('warning', verdict.warning ?? '');
    $('timing').textContent = `${message.steps} steps in ${formatDuration(elapsed)} (training and evaluation).`;
    $<HTMLProgressElement>('progress').value = run.stepsTotal === 0 ? 0 : message.steps / run.stepsTotal;
    if (message.stopped) {
      const when = stopAnswer(message, run.stopPressedAt);
      setStatus('stopped', `Stopped on ${run.backend} after step ${message.steps} of ${run.stepsTotal}${when}: ${summary}. The unfinished epoch is not in the table.`);
    } else if (verdict.state === 'diverged') {
      setStatus('diverged', `Diverged on ${run.backend} after ${formatDuration(elapsed)}: ${summary}. See the warning.`);
    } else if (verdict.state === 'warning') {
      setStatus('warning', `Finished on ${run.backend} with a warning after ${formatDuration(elapsed)}: ${summary}.`);
    } else {
      setStatus('done', `Done on ${run.backend} in ${formatDuration(elapsed)}: ${summary}.`);
    }
    this.setBusy(null);
  }

  startTraining(): void {
    const data = this.data;
    if (this.busy !== null || data === undefined) return;
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
    this.run = { backend, config, startedAt: performance.now(), stepsTotal: 0, stepsDone: 0, epoch: 0, batch: 0, batches: 0, history: [], stopPressedAt: null };
    resetRunViews(this.digits);
    this.setBusy('train');
    setStatus('training', `Starting ${backend}…`);
    void this.charts.clear().then(() => this.trainer.postMessage({ type: 'train', backend, config } satisfies ToWorker));
  }

  stopTraining(): void {
    const run = this.run;
    if (this.busy !== 'train' || run === undefined) return;
    run.stopPressedAt ??= { time: performance.now() };
    this.trainer.postMessage({ type: 'stop', sentAt: performance.timeOrigin + performance.now() } satisfies ToWorker);
    $<HTMLButtonElement>('stop').disabled = true;
    setStatus('training', `Stopping on ${run.backend} after the batch in flight…`);
  }

  // ---- gradient check -----------------------------------------------------------------------

  private endCheck(): void {
    this.check = undefined;
    this.setBusy(null);
  }

  private onCheckerMessage(message: FromWorker): void {
    const check = this.check;
    if (check === undefined) return;
    switch (message.type) {
      case 'check-stage':
        Object.assign(check, { stage: message.stage, stages: message.stages, label: message.label, rowsDone: message.rowsDone });
        $<HTMLProgressElement>('compare-progress').value = (message.stage - 1) / message.stages;
        this.showCheckStage();
        return;
      case 'checked': {
        const report = message.report;
        this.report = report;
        this.drawCheckTable();
        showCheckVerdict(report.checks.filter((r) => !r.pass).length, report.checks.length, report.backend, message.seconds);
        this.endCheck();
        return;
      }
      case 'error':
        setCheckSummary('error', `The check could not run on ${check.backend}: ${message.message}`);
        this.endCheck();
        return;
      default:
        return;
    }
  }

  /** The checker's worker, started on first use (and again after a cancel ended it). */
  private checkerWorker(): Worker {
    if (this.checker === undefined) {
      const checker = newWorker();
      checker.onmessage = (e: MessageEvent<FromWorker>) => this.onCheckerMessage(e.data);
      checker.onerror = (e) => {
        setCheckSummary('error', `The checker's worker failed: ${e.message || 'it could not load'}`);
        this.checker?.terminate();
        this.checker = undefined;
        this.endCheck();
      };
      this.checker = checker;
    }
    return this.checker;
  }

  startCheck(): void {
    if (this.busy !== null || this.data === undefined) return;
    clearMarks(CHECK_FIELDS);
    this.clearCheck();
    let options;
    try {
      options = readCheckOptions(fieldValues(CHECK_FIELDS), DEFAULT_CHECK_OPTIONS);
    } catch (error) {
      markField(error);
      setCheckSummary('error', errorText(error));
      return;
    }
    const backend = selectedBackend();
    const checker = this.checkerWorker();
    this.check = { backend, startedAt: performance.now(), stage: 0, stages: CHECK_STAGES.length, label: '', rowsDone: 0 };
    $<HTMLProgressElement>('compare-progress').value = 0;
    this.setBusy('check');
    this.showCheckStage();
    this.tick();
    checker.postMessage({ type: 'check', backend, options } satisfies ToWorker);
  }

  cancelCheck(): void {
    const check = this.check;
    if (this.busy !== 'check' || check === undefined) return;
    // The checks are synchronous inside the worker: ending the worker is the only way to stop them.
    this.checker?.terminate();
    this.checker = undefined;
    const elapsed = (performance.now() - check.startedAt) / 1000;
    setCheckSummary('cancelled', `Cancelled after ${formatDuration(elapsed)} (stage ${check.stage} of ${check.stages}, ${check.rowsDone} rows done); no result.`);
    this.endCheck();
  }
}

/** Connects the page's forms, buttons and the training worker to the controller. */
function wire(page: PageController, trainer: Worker): void {
  // Messages are handled one after another, so an epoch's chart update finishes before the next message.
  let queue = Promise.resolve();
  trainer.onmessage = (event: MessageEvent<FromWorker>) => {
    queue = queue.then(() => page.onTrainerMessage(event.data)).catch((error: unknown) => setStatus('error', errorText(error)));
  };
  trainer.onerror = (event) => {
    setStatus('error', `The training worker failed: ${event.message || 'it could not load'}`);
    page.setBusy(null);
  };
  const onSubmit = (id: string, start: () => void): void =>
    $(id).addEventListener('submit', (event) => {
      event.preventDefault();
      start();
    });
  onSubmit('controls', () => page.startTraining());
  $('stop').addEventListener('click', () => page.stopTraining());
  onSubmit('compare-controls', () => page.startCheck());
  $('cancel-compare').addEventListener('click', () => page.cancelCheck());
  for (const id of ['check-filter', 'check-show']) $(id).addEventListener('input', () => page.drawCheckTable());
  $('backend').addEventListener('change', () => {
    page.showBackend();
    // A check result on screen must be the selected backend's (the select is disabled while one runs).
    page.clearCheck();
  });
  $('layers').addEventListener('input', showParamCount);
  for (const id of [...TRAIN_FIELDS, ...CHECK_FIELDS]) $(id).addEventListener('input', () => $(id).removeAttribute('aria-invalid'));
}

async function main(): Promise<void> {
  for (const [id, value] of Object.entries(defaultFields())) $<HTMLInputElement | HTMLSelectElement>(id).value = value;
  installPageApi();
  const charts: Charts = await makeCharts({ loss: $('loss-chart'), accuracy: $('acc-chart'), batchLoss: $('batch-chart'), gradNorms: $('norm-chart') });
  const trainer = newWorker();
  const page = new PageController(charts, trainer);
  wire(page, trainer);
  showParamCount();
  page.setBusy(null);
  $<HTMLButtonElement>('train').disabled = true;
  $<HTMLButtonElement>('compare').disabled = true;
  trainer.postMessage({ type: 'hello', baseUrl: document.baseURI } satisfies ToWorker);
}

main().catch((error: unknown) => setStatus('error', errorText(error)));

/**
 * The page's worker: every tfjs computation (training, gradient probes, predictions, the checker)
 * runs here, so the page's main thread only draws. It answers the messages of worker_protocol.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../src/data/dataset.js';
import type { TrainConfig } from '../src/train/config.js';
import { disposeTrainState, initTrainState } from '../src/train/loop.js';
import { backendStatuses, hasHandgradKernels, useBackend } from './backend.js';
import { runChecks } from '../src/checks/checks.js';
import { gradientNorms, testInsight } from './insight.js';
import { loadBundledMnist } from './mnist.js';
import { trainOnPage } from './training.js';
import type { DigitImage, FromWorker, GradientProbe, ToWorker, WebBackend, WorkerTask } from './worker_protocol.js';

type WorkerScope = { postMessage: (message: FromWorker) => void; onmessage: ((event: MessageEvent<ToWorker>) => void) | null };
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker): void => scope.postMessage(message);

/** The test images shown with their predictions: the first few of the test split. */
const DIGIT_SAMPLES = 12;
/** Rows of the fixed batch the gradient norms are measured on (the first training images). */
const PROBE_ROWS = 256;
/** Gradient probes take at most about 1/(1 + PROBE_SPACING) of the run, and come at most every PROBE_MIN_MS. */
const PROBE_SPACING = 9;
const PROBE_MIN_MS = 300;

let dataset: Dataset | undefined;
let stopRequested = false;
/** When Stop was pressed on the page (ms since the epoch), null while it was not. */
let stopSentAt: number | null = null;
/** Steps that had ended when the stop request arrived, and that ended after Stop was pressed. */
let stepsAfterStop: number | null = null;
let stepsTaken = 0;
let stepsAtStopArrival = 0;
/** When the latest steps ended (ms since the epoch), newest last. */
const stepEnds: number[] = [];
const now = (): number => performance.timeOrigin + performance.now();

/** A macrotask boundary without setTimeout's 4 ms clamp: lets a queued 'stop' message in. */
const channel = new MessageChannel();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

function digitImages(data: Dataset): DigitImage[] {
  const { test, features } = data;
  return Array.from({ length: Math.min(DIGIT_SAMPLES, test.n) }, (_, index) => ({
    index,
    label: test.labels[index],
    pixels: Uint8Array.from(test.x.subarray(index * features, (index + 1) * features), (v) => Math.round(255 * v)),
  }));
}

async function hello(baseUrl: string): Promise<void> {
  dataset = await loadBundledMnist(baseUrl);
  const { train, valid, test, features, classes } = dataset;
  post({ type: 'ready', data: { train: train.n, valid: valid.n, test: test.n, features, classes }, backends: await backendStatuses(), digits: digitImages(dataset) });
}

function probeBatch(data: Dataset): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rows = Math.min(PROBE_ROWS, data.train.n);
  return tf.tidy(() => ({
    x: tf.tensor2d(data.train.x.subarray(0, rows * data.features), [rows, data.features]),
    y: tf.oneHot(tf.tensor1d(data.train.labels.subarray(0, rows), 'int32'), data.classes).toFloat() as tf.Tensor2D,
  }));
}

async function train(backend: WebBackend, config: TrainConfig): Promise<void> {
  const data = dataset;
  if (data === undefined) throw new Error('the data has not loaded yet');
  const manual = hasHandgradKernels(backend);
  if (config.grad === 'manual' && !manual) {
    throw new Error(`gradients: manual backprop needs handgrad's kernels, which this build does not register on ${backend}; choose autodiff`);
  }
  await useBackend(backend);
  stopRequested = false;
  stopSentAt = null;
  stepsAfterStop = null;
  stepsTaken = 0;
  stepEnds.length = 0;
  const batches = config.batchSize === 0 ? 1 : Math.ceil(data.train.n / Math.min(config.batchSize, data.train.n));
  post({ type: 'started', backend, batches });
  const probe = probeBatch(data);
  const testX = tf.tensor2d(data.test.x, [data.test.n, data.features]);
  const samples = Array.from({ length: Math.min(DIGIT_SAMPLES, data.test.n) }, (_, i) => i);
  let nonFinite: string | null = null;
  let lastProbeEnd = -Infinity;
  let lastProbeCost = 0;
  let probeSeconds = 0;
  let probedStep = -1;
  let current = { epoch: 0, batch: 0, batches };

  const runProbe = async (params: Parameters<typeof gradientNorms>[0]): Promise<void> => {
    const t0 = performance.now();
    const layers = await gradientNorms(params, probe.x, probe.y, manual);
    const probeResult: GradientProbe = { step: stepsTaken, rows: probe.x.shape[0], layers };
    post({ type: 'probe', probe: probeResult });
    lastProbeEnd = performance.now();
    lastProbeCost = lastProbeEnd - t0;
    probeSeconds += lastProbeCost / 1000;
    probedStep = stepsTaken;
  };

  const state = initTrainState(config);
  try {
    await runProbe(state.params);
    probeSeconds = 0; // the initial probe is before the first epoch's clock starts
    const result = await trainOnPage(config, data, state, {
      onBatch: (epoch, batch, batchCount) => {
        current = { epoch, batch, batches: batchCount };
      },
      onStep: async ({ loss, params }) => {
        const value = (await loss.data())[0];
        stepsTaken++;
        stepEnds.push(now());
        if (stepEnds.length > 64) stepEnds.shift();
        post({ type: 'batch', ...current, step: stepsTaken, loss: value });
        if (!Number.isFinite(value)) nonFinite ??= `the batch loss became ${value} at step ${stepsTaken} (epoch ${current.epoch}, batch ${current.batch})`;
        if (performance.now() - lastProbeEnd >= Math.max(PROBE_MIN_MS, PROBE_SPACING * lastProbeCost)) await runProbe(params);
        await nextTask();
      },
      onEpoch: async (metrics, epochState, memory) => {
        const insight = await testInsight(epochState.params, testX, data.test.labels, data.classes, samples);
        post({ type: 'epoch', metrics, numTensors: memory.numTensors, probeSeconds, insight });
        probeSeconds = 0;
        if (!Number.isFinite(metrics.trainLoss)) nonFinite ??= `the training loss became ${metrics.trainLoss} in epoch ${metrics.epoch}`;
      },
      shouldStop: () => stopRequested || nonFinite !== null,
    });
    // The last weights' gradients, unless the last probe saw them already (or Stop asked for speed).
    if (probedStep !== stepsTaken && !result.stopped) await runProbe(result.state.params);
    disposeTrainState(result.state);
    // Steps that ended after Stop was pressed: before the request arrived, plus after it (none:
    // the request arrives while onStep yields, and shouldStop is polled before the next step).
    // Set by the stop handler while this run awaited; read through its declared type, not the reset above.
    const afterStop = stepsAfterStop as number | null;
    const answeredAfter = afterStop === null ? null : afterStop + (stepsTaken - stepsAtStopArrival);
    post({ type: 'trained', stopped: result.stopped && nonFinite === null, steps: stepsTaken, nonFinite, stepsAfterStop: answeredAfter });
  } finally {
    tf.dispose([probe.x, probe.y, testX]);
  }
}

async function check(backend: WebBackend, options: Parameters<typeof runChecks>[0]): Promise<void> {
  if (!hasHandgradKernels(backend)) throw new Error(`the checker needs handgrad's kernels, which this build does not register on ${backend}`);
  await useBackend(backend);
  const t0 = performance.now();
  const report = await runChecks(options, (stage, stages, label, rowsDone) => post({ type: 'check-stage', stage, stages, label, rowsDone }));
  post({ type: 'checked', report, seconds: (performance.now() - t0) / 1000 });
}

function reportErrors(task: WorkerTask, work: Promise<void>): void {
  work.catch((error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    post({ type: 'error', task, message: text.split('\n').find((line) => line.trim() !== '') ?? text });
  });
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'hello':
      return reportErrors('hello', hello(message.baseUrl));
    case 'train':
      return reportErrors('train', train(message.backend, message.config));
    case 'stop':
      if (stopSentAt === null) {
        stopSentAt = message.sentAt;
        stepsAtStopArrival = stepsTaken;
        stepsAfterStop = stepEnds.filter((t) => t > message.sentAt).length;
      }
      stopRequested = true;
      return;
    case 'check':
      return reportErrors('check', check(message.backend, message.options));
  }
};

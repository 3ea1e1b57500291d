/**
 * `--backend webgl` and `--backend webgpu` for the trainer: the same trainEpochs() runs in headless
 * Chromium. Node ships the config, the data and the starting state to the page; each epoch the page
 * sends back its metrics and state, which Node rebuilds as tensors and hands to the trainer's own
 * hooks (checkpoints, metrics.csv), so src/cli/train.ts writes the run folder as on any backend.
 */
import { disposeTrainState, type TensorData, type TrainHooks, type TrainResult, type TrainState } from '../train/loop.js';
import type { TrainConfig } from '../train/config.js';
import {
  decodeTrainState,
  encodeJobFiles,
  encodeTrainState,
  REPORT_BATCH,
  REPORT_EPOCH,
  type BatchMessage,
  type EpochMessage,
  type MemorySample,
  type PageBackend,
  type StopReply,
  type TrainJob,
} from './protocol.js';
import type { JobFiles } from './server.js';
import { ensureWebBuild } from './build.js';
import { chromiumPath } from './chromium.js';
import { openPageSession, pageErrorLine, usePageBackend } from './session.js';

export type BrowserTrainResult = TrainResult & {
  /** tf.memory() in the page after each epoch. */
  memory: MemorySample[];
};

export type BrowserTrainOptions = { backend?: PageBackend; log?: (line: string) => void };

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Same contract as trainEpochs(config, data, state, hooks): consumes `state`, calls the hooks with
 * Node-side tensors (owned by this function, valid during the hook), returns the final state.
 */
export async function trainEpochsInBrowser(
  config: TrainConfig,
  data: TensorData,
  state: TrainState,
  hooks: TrainHooks = {},
  options: BrowserTrainOptions = {},
): Promise<BrowserTrainResult> {
  const log = options.log ?? stderrLog;
  const job: TrainJob = {
    backend: options.backend ?? 'webgl',
    config,
    features: data.train.x.shape[1],
    classes: data.classes,
    sizes: { train: data.train.n, valid: data.valid.n, test: data.test.n },
    initialState: encodeTrainState(state),
  };
  disposeTrainState(state);
  const files: JobFiles = encodeJobFiles(job, data);

  const session = await openPageSession({ log, backend: job.backend });
  try {
    session.server.setJob(files);
    const { page } = session;
    await page.exposeFunction(REPORT_EPOCH, async (message: EpochMessage): Promise<StopReply> => {
      const epochState = decodeTrainState(message.state);
      try {
        await hooks.onEpoch?.(message.metrics, epochState);
      } finally {
        disposeTrainState(epochState);
      }
      return hooks.shouldStop?.() ?? false;
    });
    await page.exposeFunction(REPORT_BATCH, (message: BatchMessage): StopReply => {
      hooks.onBatch?.(message.epoch, message.batch, message.batches);
      return hooks.shouldStop?.() ?? false;
    });
    log((await usePageBackend(session, job.backend)).description);
    const outcome = await page.evaluate(() => window.handgrad!.runJob()).catch((error: unknown) => {
      throw new Error(`training in the browser failed: ${pageErrorLine(error)}`);
    });
    if (session.consoleErrors.length > 0) log(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return { state: decodeTrainState(outcome.state), stopped: outcome.stopped, memory: outcome.memory };
  } finally {
    await session.close();
  }
}

/**
 * trainEpochs' signature, bound to one page backend: what src/cli/train.ts calls for webgl and webgpu.
 * @public (loaded with a dynamic import)
 */
export function browserTrainer(backend: PageBackend): (config: TrainConfig, data: TensorData, state: TrainState, hooks?: TrainHooks) => Promise<BrowserTrainResult> {
  return (config, data, state, hooks) => trainEpochsInBrowser(config, data, state, hooks, { backend });
}

/** Throws ChromiumMissingError (a BackendError: one line, exit 2) when there is no browser to run in. */
export function checkChromium(backend: PageBackend = 'webgl'): void {
  chromiumPath(backend);
}

/**
 * What a browser run needs before the CLI writes anything: Chromium, the page built for the
 * current sources (a failed build then leaves no half-made run folder) and, for webgpu, an
 * adapter: the page is opened once to ask for it, so a browser without one is a BackendError
 * (one line naming what is missing, exit 2) rather than a failed run.
 * @public (loaded with a dynamic import)
 */
export async function prepareBrowser(backend: PageBackend = 'webgl', log: (line: string) => void = stderrLog): Promise<void> {
  checkChromium(backend);
  await ensureWebBuild(log);
  if (backend !== 'webgpu') return;
  const session = await openPageSession({ log, backend });
  try {
    await usePageBackend(session, backend);
  } finally {
    await session.close();
  }
}

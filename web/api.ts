/** `window.handgrad`: the page's job API, driven by the Node runner (src/browser/) and the tests. */
import type { Dataset, Split } from '../src/data/dataset.js';
import {
  decodeTrainState,
  encodeTrainState,
  JOB_PATH,
  type JobFile,
  type PageApi,
  type TrainJob,
  type TrainOutcome,
} from '../src/browser/protocol.js';
import { disposeTrainState } from '../src/train/loop.js';
import { pageInfo, useBackend } from './backend.js';
import { compareOnBackend } from './compare.js';
import { opcheckOnPage } from './opcheck.js';
import { checkKernels } from './kernel_check.js';
import { memorySample, trainOnPage } from './training.js';

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(new URL(path, document.baseURI));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

async function fetchJob(): Promise<{ job: TrainJob; dataset: Dataset }> {
  const job = (await (await fetchOk(`${JOB_PATH}/job.json`)).json()) as TrainJob;
  const bytes = async (file: JobFile): Promise<ArrayBuffer> => (await fetchOk(`${JOB_PATH}/${file}.bin`)).arrayBuffer();
  const split = async (name: 'train' | 'valid' | 'test'): Promise<Split> => ({
    x: new Float32Array(await bytes(`${name}-x`)),
    labels: new Int32Array(await bytes(`${name}-labels`)),
    n: job.sizes[name],
  });
  const [train, valid, test] = await Promise.all([split('train'), split('valid'), split('test')]);
  return { job, dataset: { name: 'job', features: job.features, classes: job.classes, train, valid, test } };
}

/** Trains the Node runner's job, streaming each epoch (metrics + state) back before going on. */
async function runJob(): Promise<TrainOutcome> {
  const { job, dataset } = await fetchJob();
  await useBackend(job.backend);
  let stopRequested = false;
  const result = await trainOnPage(job.config, dataset, decodeTrainState(job.initialState), {
    onEpoch: async (metrics, state, memory) => {
      const stop = await window.handgradReportEpoch?.({ metrics, state: await encodeTrainState(state), memory });
      stopRequested ||= stop === true;
    },
    onBatch: (epoch, batch, batches) => {
      void window.handgradReportBatch?.({ epoch, batch, batches }).then((stop) => {
        stopRequested ||= stop;
      });
    },
    shouldStop: () => stopRequested,
  });
  const state = await encodeTrainState(result.state);
  disposeTrainState(result.state);
  return { state, stopped: result.stopped, memory: result.memory };
}

export function installPageApi(extra: Partial<PageApi> = {}): PageApi {
  const api: PageApi = { useBackend, info: pageInfo, memory: memorySample, runJob, checkKernels, compare: compareOnBackend, opcheck: opcheckOnPage, ...extra };
  window.handgrad = api;
  return api;
}

/** `window.handgrad`: the page's job API, driven by the Node runner (src/browser/) and the tests. */
import { decodeJobFiles, decodeTrainState, encodeTrainState, JOB_PATH, type PageApi, type TrainOutcome } from '../src/browser/protocol.js';
import { disposeTrainState } from '../src/train/loop.js';
import { auditOnPage } from './audit.js';
import { pageInfo, useBackend } from './backend.js';
import { compareOnBackend } from './compare.js';
import { opcheckOnPage } from './opcheck.js';
import { checkKernels } from './kernel_check.js';
import { memorySample, trainOnPage } from './training.js';

async function fetchJobFile(name: string): Promise<ArrayBuffer> {
  const path = `${JOB_PATH}/${name}`;
  const response = await fetch(new URL(path, document.baseURI));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Trains the Node runner's job, streaming each epoch (metrics + state) back before going on. */
async function runJob(): Promise<TrainOutcome> {
  const { job, dataset } = await decodeJobFiles(fetchJobFile);
  await useBackend(job.backend);
  let stopRequested = false;
  const result = await trainOnPage(job.config, dataset, decodeTrainState(job.initialState), {
    onEpoch: async (metrics, state, memory) => {
      const stop = await window.handgradReportEpoch?.({ metrics, state: encodeTrainState(state), memory });
      stopRequested ||= stop === true;
    },
    onBatch: (epoch, batch, batches) => {
      void window.handgradReportBatch?.({ epoch, batch, batches }).then((stop) => {
        stopRequested ||= stop;
      });
    },
    shouldStop: () => stopRequested,
  });
  const state = encodeTrainState(result.state);
  disposeTrainState(result.state);
  return { state, stopped: result.stopped, memory: result.memory };
}

export function installPageApi(extra: Partial<PageApi> = {}): PageApi {
  const api: PageApi = { useBackend, info: pageInfo, memory: memorySample, runJob, checkKernels, compare: compareOnBackend, opcheck: opcheckOnPage, audit: auditOnPage, ...extra };
  window.handgrad = api;
  return api;
}

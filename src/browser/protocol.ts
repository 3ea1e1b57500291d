/**
 * What the Node runner and the page exchange, both halves in one module (pure: bundled into the
 * page, imported by Node): the job (config, data files, starting state), the messages each epoch,
 * the page's API. Training states travel in the project's one format (src/train/snapshot.ts), its
 * float32 blocks as base64, so values cross exactly; the data as raw little-endian files under JOB_PATH.
 */
import type { CheckOptions, CheckReport } from '../checks/checks.js';
import type { Dataset, Split } from '../data/dataset.js';
import type { TrainConfig } from '../train/config.js';
import type { EpochMetrics, TensorData, TensorSplit, TrainState } from '../train/loop.js';
import { decodeSnapshot, encodeSnapshot, restoreTrainState, snapshotTrainState, type SnapshotManifest } from '../train/snapshot.js';
import type { AuditReply, AuditRequest } from '../../gradcheck/audit/runner.js';
import type { OpcheckResult } from '../../gradcheck/opcheck.js';

/** A training state in the project's one format (src/train/snapshot.ts), its two blocks as base64. */
export type EncodedTrainState = { manifest: SnapshotManifest; params: string; optimizer: string };

/** A training job: the config, the split sizes (the data travels as files, encodeJobFiles) and the state to start from. */
export type TrainJob = {
  backend: PageBackend;
  config: TrainConfig;
  features: number;
  classes: number;
  sizes: { train: number; valid: number; test: number };
  initialState: EncodedTrainState;
};

/** The URL path (relative to the page) under which a job's files are served: job.json and <split>-x.bin, <split>-labels.bin. */
export const JOB_PATH = '__job';
const SPLITS = ['train', 'valid', 'test'] as const;

/** Node's half: a job's files, by name: job.json, then each split's rows (float32) and labels (int32). */
export function encodeJobFiles(job: TrainJob, data: TensorData): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>([['job.json', new TextEncoder().encode(JSON.stringify(job))]]);
  const bytes = (values: Float32Array | Int32Array): Uint8Array => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (const name of SPLITS) {
    const split: TensorSplit = data[name];
    files.set(`${name}-x.bin`, bytes(Float32Array.from(split.x.dataSync())));
    files.set(`${name}-labels.bin`, bytes(Int32Array.from(split.labels.dataSync())));
  }
  return files;
}

/** The page's half: reads a job back from its files (`fetchFile(name)` gets one, e.g. over HTTP under JOB_PATH). */
export async function decodeJobFiles(fetchFile: (name: string) => Promise<ArrayBuffer>): Promise<{ job: TrainJob; dataset: Dataset }> {
  const job = JSON.parse(new TextDecoder().decode(await fetchFile('job.json'))) as TrainJob;
  const split = async (name: (typeof SPLITS)[number]): Promise<Split> => ({
    x: new Float32Array(await fetchFile(`${name}-x.bin`)),
    labels: new Int32Array(await fetchFile(`${name}-labels.bin`)),
    n: job.sizes[name],
  });
  const [train, valid, test] = await Promise.all(SPLITS.map(split));
  return { job, dataset: { name: 'job', features: job.features, classes: job.classes, train, valid, test } };
}

/** tf.memory() after an epoch, as the page saw it. */
export type MemorySample = { numTensors: number; numBytes: number };

export type EpochMessage = { metrics: EpochMetrics; state: EncodedTrainState; memory: MemorySample };
export type BatchMessage = { epoch: number; batch: number; batches: number };
/** Reply to an EpochMessage or BatchMessage: true asks the page to stop (Node's shouldStop hook). */
export type StopReply = boolean;
export type TrainOutcome = { state: EncodedTrainState; stopped: boolean; memory: MemorySample[] };

export const PAGE_BACKENDS = ['webgl', 'webgpu', 'wasm', 'cpu'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/** What the page reports about its tfjs backend and WebGL context. */
export type PageInfo = {
  backend: string;
  tfjsVersion: string;
  webglVersion: number;
  renderer: string;
  float32Textures: boolean;
};

/** Names of the functions the Node runner exposes to the page (page.exposeFunction). */
export const REPORT_EPOCH = 'handgradReportEpoch';
export const REPORT_BATCH = 'handgradReportBatch';

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeTrainState(state: TrainState): EncodedTrainState {
  const encoded = encodeSnapshot(snapshotTrainState(state));
  return { manifest: encoded.manifest, params: bytesToBase64(encoded.params), optimizer: bytesToBase64(encoded.optimizer) };
}

/** Rebuilds a TrainState with tensors on the current backend; the caller owns them. */
export function decodeTrainState(e: EncodedTrainState): TrainState {
  const snapshot = decodeSnapshot(
    { manifest: e.manifest, params: base64ToBytes(e.params), optimizer: base64ToBytes(e.optimizer) },
    { params: 'page protocol: params', optimizer: 'page protocol: optimizer' },
  );
  return restoreTrainState(snapshot);
}

/** One kernel on one backend against the cpu kernel (fp32~fp32 tolerance). */
export type KernelCheckRow = { kernel: string; shape: number[]; backend: PageBackend; maxRelError: number; rtol: number; pass: boolean };

/** What the page exposes as `window.handgrad` once it has loaded. */
export type PageApi = {
  useBackend: (name: PageBackend) => Promise<PageInfo>;
  info: () => PageInfo;
  memory: () => MemorySample;
  /** Fetches the job at JOB_PATH and trains it, reporting through REPORT_EPOCH / REPORT_BATCH. */
  runJob: () => Promise<TrainOutcome>;
  checkKernels: (backends: PageBackend[]) => Promise<KernelCheckRow[]>;
  /** src/checks/checks.ts's runChecks on `backend`. */
  compare: (backend: PageBackend, options: CheckOptions) => Promise<CheckReport>;
  /** opcheck of handgrad's kernels (gradcheck/kernel_cases.ts, seeded) on `backend` against the page's cpu. */
  opcheck: (request: OpcheckRequest) => Promise<OpcheckResult[]>;
  /** One request of the audit of tfjs's gradients (gradcheck/audit/runner.ts), answered on `backend`. */
  audit: <R extends AuditRequest>(backend: PageBackend, request: R) => Promise<AuditReply<R['kind']>>;
};

/** Which of handgrad's kernels to opcheck in the page, on which backend. */
export type OpcheckRequest = { kernels: string[]; backend: PageBackend; seed: number };

declare global {
  interface Window {
    handgrad?: PageApi;
    handgradReportEpoch?: (message: EpochMessage) => Promise<StopReply>;
    handgradReportBatch?: (message: BatchMessage) => Promise<StopReply>;
  }
}

/**
 * What the Node runner and the page exchange (pure: bundled into the page, imported by Node).
 * Tensors travel as base64 of their little-endian bytes, so float32 values cross exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, TrainState } from '../train/loop.js';
import type { TrainConfig } from '../train/config.js';
import type { CheckOptions, CheckReport } from '../compare/checks.js';
import type { OpcheckResult } from '../../compare/opcheck.js';

export type EncodedTensor = { shape: number[]; dtype: 'float32' | 'int32'; base64: string };

export type EncodedTrainState = {
  weights: EncodedTensor[];
  biases: EncodedTensor[];
  optimizerStep: number;
  optimizerSlots: Record<string, EncodedTensor[]>;
  epoch: number;
  rngState: TrainState['rngState'];
  history: EpochMetrics[];
};

/** A training job: the config, the split sizes (data lives at JOB_FILES) and the state to start from. */
export type TrainJob = {
  backend: PageBackend;
  config: TrainConfig;
  features: number;
  classes: number;
  sizes: { train: number; valid: number; test: number };
  initialState: EncodedTrainState;
};

/** The URL paths (relative to the page) that hold a job's description and its data. */
export const JOB_PATH = '__job';
export const JOB_FILES = ['train-x', 'train-labels', 'valid-x', 'valid-labels', 'test-x', 'test-labels'] as const;
export type JobFile = (typeof JOB_FILES)[number];

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

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function encodeTensor(t: tf.Tensor): Promise<EncodedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`encodeTensor: dtype ${t.dtype} is not supported`);
  const values = (await t.data()) as Float32Array | Int32Array;
  return { shape: t.shape.slice(), dtype: t.dtype, base64: bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)) };
}

export function decodeTensor(e: EncodedTensor): tf.Tensor {
  const bytes = base64ToBytes(e.base64);
  const values = e.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
  return tf.tensor(values, e.shape, e.dtype);
}

export async function encodeTrainState(state: TrainState): Promise<EncodedTrainState> {
  const optimizerSlots: Record<string, EncodedTensor[]> = {};
  for (const [name, list] of Object.entries(state.optimizerState.slots)) optimizerSlots[name] = await Promise.all(list.map(encodeTensor));
  return {
    weights: await Promise.all(state.params.weights.map(encodeTensor)),
    biases: await Promise.all(state.params.biases.map(encodeTensor)),
    optimizerStep: state.optimizerState.step,
    optimizerSlots,
    epoch: state.epoch,
    rngState: state.rngState,
    history: state.history,
  };
}

/** Rebuilds a TrainState with tensors on the current backend; the caller owns them. */
export function decodeTrainState(e: EncodedTrainState): TrainState {
  const slots: Record<string, tf.Tensor[]> = {};
  for (const [name, list] of Object.entries(e.optimizerSlots)) slots[name] = list.map(decodeTensor);
  return {
    params: { weights: e.weights.map((w) => decodeTensor(w) as tf.Tensor2D), biases: e.biases.map((b) => decodeTensor(b) as tf.Tensor1D) },
    optimizerState: { step: e.optimizerStep, slots },
    epoch: e.epoch,
    rngState: e.rngState,
    history: e.history,
  };
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
  /** compare/checks.ts's runChecks on `backend`. */
  compare: (backend: PageBackend, options: CheckOptions) => Promise<CheckReport>;
  /** opcheck of handgrad's kernels (compare/kernel_cases.ts, seeded) on `backend` against the page's cpu. */
  opcheck: (request: OpcheckRequest) => Promise<OpcheckResult[]>;
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

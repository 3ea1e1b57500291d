/**
 * The messages between the page (web/main.ts, the main thread) and its Web Workers (web/worker.ts),
 * which do all tfjs work so that the page never freezes. Pure types and constants: no tfjs here.
 */
import type { CheckOptions, CheckReport } from '../src/checks/checks.js';
import type { TrainConfig } from '../src/train/config.js';
import type { EpochMetrics } from '../src/train/loop.js';

/** The backends the page offers, in the order of its menu. */
export const WEB_BACKENDS = ['webgl', 'webgpu', 'wasm', 'cpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

/** Whether a backend can run in this browser's workers, and what it runs on. */
export type BackendStatus = {
  backend: WebBackend;
  available: boolean;
  /** What it runs on (renderer, adapter) or why it is not available. */
  detail: string;
  /** Software rendering (SwiftShader): right numbers, CPU speed. */
  software: boolean;
  /** handgrad's kernels are registered for it (needed by manual backprop and the checker). */
  handgradKernels: boolean;
};

export type DataSummary = { train: number; valid: number; test: number; features: number; classes: number };

/** A test image shown with the network's prediction (pixels 0–255, row-major 28×28). */
export type DigitImage = { index: number; label: number; pixels: Uint8Array };
export type DigitPrediction = { index: number; predicted: number; probability: number };

/** Per layer l: Frobenius norms of W_l and of ∂L/∂W_l by hand-derived backprop and by autodiff. */
export type LayerNorms = {
  /** 1-based layer number. */
  layer: number;
  shape: [number, number];
  weight: number;
  /** null where the backend has no handgrad kernels (manual backprop cannot run). */
  manual: number | null;
  autodiff: number;
  /** ‖manual − autodiff‖ (null with `manual`). */
  difference: number | null;
};

export type GradientProbe = {
  /** Steps taken when the probe ran (0 = the initial weights). */
  step: number;
  /** Rows of the fixed probe batch (the first training images). */
  rows: number;
  layers: LayerNorms[];
};

export type TestInsight = {
  /** confusion[true][predicted] over the whole test split. */
  confusion: number[][];
  predictions: DigitPrediction[];
};

export type ToWorker =
  /** Load the bundled data (relative to `baseUrl`) and report the backends (training worker only). */
  | { type: 'hello'; baseUrl: string }
  | { type: 'train'; backend: WebBackend; config: TrainConfig }
  /** Stop after the step in flight; `sentAt`: when Stop was pressed (ms since the epoch, timeOrigin + now). */
  | { type: 'stop'; sentAt: number }
  | { type: 'check'; backend: WebBackend; options: CheckOptions };

export type WorkerTask = 'hello' | 'train' | 'check';

export type FromWorker =
  | { type: 'ready'; data: DataSummary; backends: BackendStatus[]; digits: DigitImage[] }
  | { type: 'started'; backend: WebBackend; batches: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; loss: number }
  | { type: 'probe'; probe: GradientProbe }
  | {
      type: 'epoch';
      metrics: EpochMetrics;
      numTensors: number;
      /** Seconds of the epoch spent on gradient probes (inside metrics.seconds, not training). */
      probeSeconds: number;
      insight: TestInsight;
    }
  /** `stepsAfterStop`: steps that ended after Stop was pressed (1 = only the one in flight); null without a stop. */
  | { type: 'trained'; stopped: boolean; steps: number; nonFinite: string | null; stepsAfterStop: number | null }
  | { type: 'check-stage'; stage: number; stages: number; label: string; rowsDone: number }
  | { type: 'checked'; report: CheckReport; seconds: number }
  | { type: 'error'; task: WorkerTask; message: string };

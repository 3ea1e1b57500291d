/** The audit's structured result: one row per op × order × backend, and the coverage of tfjs's gradients. */
import type { CheckRow } from '../rows.js';

export type AuditStatus = 'pass' | 'fail' | 'throws' | 'missing' | 'unconfirmed';

export type Diagnosis =
  | 'wrong first derivative'
  | 'wrong second derivative'
  | 'wrong second derivative (saved output detached)'
  | 'NaN/Inf where the derivative is finite'
  | 'wrong forward value'
  | 'backend disagreement'
  | 'gradient throws'
  | 'kernel missing on the backend';

/** One confirmed failing coordinate: tfjs's value beside the reference's. */
export interface FailurePoint {
  /** The quantity: "∂/∂x", "2nd order ∂/∂x" or "2nd order ∂/∂dy", or "forward". */
  quantity: string;
  /** Which: the index among the differentiated inputs, then (second order) the upstream dy; −1 for the forward value. */
  quantityIndex: number;
  coordinate: number[];
  tfjs: number;
  reference: number;
  /** The reference's estimated absolute error. */
  referenceError?: number;
  /** What the reference is: "float64 twin", "fp32 differences", or the reference backend's name. */
  referenceKind: string;
}

export interface AuditRow {
  kernel: string;
  call: string;
  order: 1 | 2;
  backend: string;
  status: AuditStatus;
  /** One line: what is wrong (absent on pass). */
  diagnosis?: Diagnosis;
  detail?: string;
  /** Every check behind the verdict (fd32, float64 twin, vs the reference backend). */
  checks: CheckRow[];
  failures: FailurePoint[];
  /** How the failure was confirmed. */
  confirmation?: string;
  /** The smallest code that shows the failure in tfjs (failures only). */
  reproduction?: string;
  seconds: number;
}

export interface AuditResult {
  tfjsVersion: string;
  date: string;
  backends: string[];
  referenceBackend: string;
  /** Kernels with a registered gradient (on the reference backend, or anywhere for orphan gradients). */
  kernelsWithGradient: string[];
  /** Those a case reached (seen running in tf.profile) on the reference backend. */
  covered: string[];
  leftOut: { kernel: string; reason: string }[];
  /** Kernels on the reference backend without a registered gradient. */
  noGradient: { kernel: string; reason: string }[];
  rows: AuditRow[];
  /** Where backends answered by a runner ran (AuditRunner.description), by backend. */
  environments?: Record<string, string>;
  /** Only some cases ran (options.ops). */
  subset: boolean;
  seconds: number;
}

/**
 * The backend half of the audit: what tfjs computes for one case on the active backend. auditTfjs
 * asks these questions through an AuditRunner, so that a backend in another JavaScript engine (a
 * browser page's webgl or webgpu) answers the same requests and its answers are judged in the
 * caller, beside the reference backend's. A request names its case by caseLabel and seed; the case's
 * inputs and cotangents are rebuilt from them (gradcheck/audit/inputs.ts) wherever it is answered.
 */
import * as tf from '@tensorflow/tfjs';
import { gradcheck, type GradcheckOptions } from '../gradcheck.js';
import { gradgradcheck } from '../gradgradcheck.js';
import type { GradcheckResult } from '../result.js';
import { type AuditCase, auditCases, caseLabel } from './cases.js';
import { caseCotangents, caseValues, caseWrt } from './inputs.js';
import { quantities, type Quantities } from './quantities.js';
import { forwardReproduction, reproduction } from './repro.js';
import type { FailurePoint } from './result.js';
import { firstLine } from './text.js';

/** The kernels the case's op runs (tf.profile) and the four quantities; or the error the op throws. */
export type Measured = { kind: 'ran'; kernels: string[]; quantities: Quantities } | { kind: 'throws'; message: string };

export type AuditRequest =
  | { kind: 'measure'; label: string; seed: number }
  /** gradcheck (order 1) or gradgradcheck (order 2), fast; with `recheck`, per coordinate (all coordinates when empty). */
  | { kind: 'fd32'; label: string; seed: number; order: 1 | 2; recheck?: number[] }
  /** The code that shows `failure` (repro.ts) at `order`, or of the forward value. */
  | { kind: 'reproduce'; label: string; seed: number; order: 1 | 2 | 'forward'; outputShapes: number[][]; failure: FailurePoint };

export type AuditReplies = { measure: Measured; fd32: GradcheckResult; reproduce: string | null };
export type AuditReply<K extends AuditRequest['kind']> = AuditReplies[K];

/** Answers audit requests for one backend, wherever that backend runs. */
export interface AuditRunner {
  backend: string;
  /** Where the backend runs, when not in this process (e.g. the browser and its renderer), for the report. */
  description?: string;
  ask<R extends AuditRequest>(request: R): Promise<AuditReply<R['kind']>>;
}

let byLabel: Map<string, AuditCase> | undefined;

/** The case named `label`: one of auditCases(), or of `extra` (cases given to auditTfjs). */
function findCase(label: string, extra: AuditCase[]): AuditCase {
  const given = extra.find((c) => caseLabel(c) === label);
  if (given !== undefined) return given;
  byLabel ??= new Map(auditCases().map((c) => [caseLabel(c), c]));
  const c = byLabel.get(label);
  if (c === undefined) throw new Error(`audit: no case labelled "${label}"`);
  return c;
}

/** Which kernels fn runs (tf.profile), or the error that stopped it. */
async function kernelsRun(c: AuditCase, seed: number): Promise<string[]> {
  const xs = caseValues(c, seed).map((v) => tf.tensor(v.data, v.shape, v.dtype));
  try {
    const info = await tf.profile(() => c.fn(...xs));
    tf.dispose(info.result);
    return [...new Set(info.kernelNames)];
  } finally {
    tf.dispose(xs);
  }
}

async function measure(c: AuditCase, seed: number): Promise<Measured> {
  let kernels: string[];
  try {
    kernels = await kernelsRun(c, seed);
  } catch (error) {
    return { kind: 'throws', message: firstLine(error) };
  }
  const values = caseValues(c, seed);
  const wrt = caseWrt(c);
  // The cotangents depend only on the case, so every backend differentiates the same quantities.
  const shapes = tf.tidy(() => {
    const xs = values.map((v) => tf.tensor(v.data, v.shape, v.dtype));
    const out = c.fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((o) => o.shape.slice());
  });
  const cot1 = caseCotangents(c, seed, shapes, wrt, 1);
  const cot2 = caseCotangents(c, seed, shapes, wrt, 2);
  return { kind: 'ran', kernels, quantities: quantities(c.fn, values, wrt, cot1.dy, cot2.dy, cot2.c) };
}

/** The fd32 check of one order. */
function fd32(c: AuditCase, seed: number, order: 1 | 2, recheck: number[] | undefined): GradcheckResult {
  const xs = caseValues(c, seed).map((v) => tf.tensor(v.data, v.shape, v.dtype));
  try {
    const extra: Partial<GradcheckOptions> = recheck === undefined ? {} : { mode: 'per-coordinate', ...(recheck.length > 0 ? { coordinates: recheck } : {}) };
    const options = { name: caseLabel(c), inputNames: c.inputs.map((i) => i.name), wrt: caseWrt(c), seed, ...extra };
    return order === 1 ? gradcheck(c.fn, xs, options) : gradgradcheck(c.fn, xs, options);
  } finally {
    tf.dispose(xs);
  }
}

/** Answers `request` on the active backend; `cases`: cases beyond auditCases() that a request may name. */
export async function answerAuditRequest<R extends AuditRequest>(request: R, cases: AuditCase[] = []): Promise<AuditReply<R['kind']>> {
  const c = findCase(request.label, cases);
  const reply = await answer(c, request);
  return reply as AuditReply<R['kind']>;
}

async function answer(c: AuditCase, request: AuditRequest): Promise<AuditReplies[keyof AuditReplies]> {
  switch (request.kind) {
    case 'measure':
      return measure(c, request.seed);
    case 'fd32':
      return fd32(c, request.seed, request.order, request.recheck);
    case 'reproduce': {
      const values = caseValues(c, request.seed);
      const code =
        request.order === 'forward'
          ? forwardReproduction(c, values, request.failure)
          : reproduction(c, request.order, values, caseWrt(c), request.seed, request.outputShapes, request.failure);
      return code ?? null;
    }
  }
}

/** A runner for a backend registered in this process: each request first makes it the active backend. */
export function localRunner(backend: string, cases: AuditCase[] = []): AuditRunner {
  return {
    backend,
    ask: async (request) => {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      return answerAuditRequest(request, cases);
    },
  };
}

/** The audit's backend half inside the page (driven by src/browser/run_audit.ts): gradcheck/audit/runner.ts on one backend. */
import * as tf from '@tensorflow/tfjs';
import { answerAuditRequest, type AuditReply, type AuditRequest } from '../gradcheck/audit/runner.js';
import type { PageBackend } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';

/**
 * webgl and webgpu run an op on the cpu backend's code when its inputs are small and still on the
 * cpu, as the audit's are: off while the audit runs, so that it checks the backend's own shaders.
 */
const SHADERS_ONLY = { WEBGL_CPU_FORWARD: false, WEBGPU_CPU_FORWARD: false } as const;

export async function auditOnPage<R extends AuditRequest>(backend: PageBackend, request: R): Promise<AuditReply<R['kind']>> {
  if (tf.getBackend() !== backend) await useBackend(backend);
  const saved = Object.fromEntries(Object.keys(SHADERS_ONLY).map((flag) => [flag, tf.env().getBool(flag)]));
  tf.env().setFlags(SHADERS_ONLY);
  try {
    return await answerAuditRequest(request);
  } finally {
    tf.env().setFlags(saved);
  }
}

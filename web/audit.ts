/** The audit's backend half inside the page (driven by src/browser/run_audit.ts): compare/audit/runner.ts on one backend. */
import * as tf from '@tensorflow/tfjs';
import { answerAuditRequest, type AuditReply, type AuditRequest } from '../compare/audit/runner.js';
import type { PageBackend } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';

export async function auditOnPage<R extends AuditRequest>(backend: PageBackend, request: R): Promise<AuditReply<R['kind']>> {
  if (tf.getBackend() !== backend) await useBackend(backend);
  return answerAuditRequest(request);
}

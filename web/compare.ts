/** The Node runner's `compare` (window.handgrad.compare): src/checks/checks.ts's runChecks on one backend. */
import { DEFAULT_CHECK_OPTIONS, runChecks, type CheckOptions, type CheckReport } from '../src/checks/checks.js';
import { useBackend } from './backend.js';
import type { WebBackend } from './worker_protocol.js';

/** Runs every check on `backend`, on the calling thread (the page's own button runs it in a worker). */
export async function compareOnBackend(backend: WebBackend, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Promise<CheckReport> {
  await useBackend(backend);
  return await runChecks(options);
}

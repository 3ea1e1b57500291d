/**
 * `gradcheck audit --backend webgl,webgpu`: the audit's backend half (gradcheck/audit/runner.ts)
 * answered inside headless Chromium, one page for all browser backends. auditTfjs judges the answers
 * in Node, beside Node's cpu reference, so the rows are the same as any other backend's.
 */
import type { AuditReply, AuditRequest, AuditRunner } from '../../gradcheck/audit/runner.js';
import type { PageBackend } from './protocol.js';
import { openPageSession, pageErrorLine, type PageSession, usePageBackend } from './session.js';

/** Tries of a request, each in a fresh browser after the first. */
const PAGE_ATTEMPTS = 2;

export type BrowserAudit = { runners: AuditRunner[]; close: () => Promise<void> };

/** A page with each of `backends` started in it; `log` gets the line saying what each runs on. */
async function startPage(backends: PageBackend[], log: (line: string) => void): Promise<{ session: PageSession; descriptions: string[] }> {
  const session = await openPageSession({ log, backend: backends[0] });
  const descriptions: string[] = [];
  try {
    for (const backend of backends) descriptions.push((await usePageBackend(session, backend)).description);
  } catch (error) {
    await session.close();
    throw error;
  }
  descriptions.forEach(log);
  return { session, descriptions };
}

/**
 * Starts the page and makes sure each of `backends` starts in it (logging what it runs on); a
 * backend the browser cannot give (no WebGPU adapter) is a BackendError, one line, before any case runs.
 * A request that fails in the page (SwiftShader's WebGPU device or WebGL context can be lost
 * mid-run) is tried once more in a fresh browser; if it fails again it fails that request alone,
 * and the next one runs in a fresh browser: one case's fault does not end the audit.
 */
export async function openBrowserAudit(backends: PageBackend[], log: (line: string) => void): Promise<BrowserAudit> {
  const started = await startPage(backends, log);
  let session: PageSession | undefined = started.session;
  const consoleErrors: string[] = [];
  const retire = async (): Promise<void> => {
    const old = session;
    session = undefined;
    if (old === undefined) return;
    consoleErrors.push(...old.consoleErrors);
    await old.close().catch(() => {});
  };
  const runner = (backend: PageBackend, k: number): AuditRunner => ({
    backend,
    description: started.descriptions[k],
    ask: async <R extends AuditRequest>(request: R): Promise<AuditReply<R['kind']>> => {
      // A fault of the page (a lost WebGL context or WebGPU device) gets one more try in a fresh browser; a fault that persists fails the request.
      for (let attempt = 1; ; attempt++) {
        session ??= (await startPage(backends, () => {})).session;
        try {
          return await session.page.evaluate(({ b, r }) => window.handgrad!.audit(b, r), { b: backend, r: request });
        } catch (error) {
          await retire();
          if (attempt < PAGE_ATTEMPTS) continue;
          throw new Error(`audit on ${backend} in the page (${request.kind} ${request.label}): ${pageErrorLine(error)}`, { cause: error });
        }
      }
    },
  });
  return {
    runners: backends.map(runner),
    close: async () => {
      await retire();
      if (consoleErrors.length > 0) log(`page console errors: ${consoleErrors.join(' | ')}`);
    },
  };
}

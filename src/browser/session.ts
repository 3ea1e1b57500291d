/**
 * One headless-Chromium session on the built page: build if needed, serve on 127.0.0.1, launch
 * Debian's chromium, open the page and wait for `window.handgrad`. Console errors are collected.
 */
import type { Browser, Page } from 'playwright-core';
import { BackendError } from '../backends.js';
import { ensureWebBuild, WEB_DIST } from './build.js';
import { chromiumPath, launchChromium } from './chromium.js';
import type { PageBackend, PageInfo } from './protocol.js';
import { servePage, type PageServer } from './server.js';

/** Chromium's console warnings for WebGPU validation errors: a WGSL compile error, or an object invalid because of one. */
const WEBGPU_ERROR = /^(Error while parsing WGSL|\[Invalid \w+)/;

export type PageSession = {
  page: Page;
  server: PageServer;
  /** console.error messages, WebGPU validation errors and uncaught page errors (first lines), in order. */
  consoleErrors: string[];
  close: () => Promise<void>;
};

/** `backend`: the --backend value that needs the browser, named when Chromium is missing. */
export type SessionOptions = { log?: (line: string) => void; backend?: PageBackend };

/** The page's `status` element leaves `loading` once main() has finished (ready) or failed (error). */
async function waitForPage(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'loading' && window.handgrad !== undefined, undefined, {
    timeout: 60_000,
  });
  const state = await page.evaluate(() => document.getElementById('status')?.dataset.state);
  if (state === 'error') {
    const text = await page.evaluate(() => document.getElementById('status')?.textContent ?? '');
    throw new Error(`the web page failed to start: ${text}`);
  }
}

export async function openPageSession(options: SessionOptions = {}): Promise<PageSession> {
  chromiumPath(options.backend); // fail fast, before building, when chromium is missing
  await ensureWebBuild(options.log);
  const server = await servePage(WEB_DIST);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      // WebGPU reports a shader that fails to compile, and every use of it after, as warnings.
      if (message.type() === 'error' || (message.type() === 'warning' && WEBGPU_ERROR.test(message.text()))) consoleErrors.push(message.text().split('\n')[0]);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(server.url);
    await waitForPage(page);
    const opened = browser;
    return {
      page,
      server,
      consoleErrors,
      close: async () => {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}

/** The first line of a page-side error, without playwright's "page.evaluate: Error: " prefix. */
export function pageErrorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).replace(/^page\.evaluate: (Error: )?/, '');
}

/** The WebGPU adapter the page can get, or what is missing. */
export type WebGpuAdapter = { available: true; adapter: string; software: boolean } | { available: false; missing: string };

/**
 * Asks the page's navigator.gpu for an adapter, as tfjs's webgpu backend will. WebGPU needs a
 * secure context (the session's http://127.0.0.1 page is one) and, in Chromium on Linux,
 * --enable-unsafe-webgpu; without a GPU the adapter is SwiftShader's, a CPU implementation.
 */
export async function webgpuAdapter(page: Page): Promise<WebGpuAdapter> {
  return page.evaluate(async (): Promise<WebGpuAdapter> => {
    type Info = { vendor?: string; architecture?: string; description?: string };
    const gpu = (navigator as unknown as { gpu?: { requestAdapter: () => Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } }).gpu;
    if (gpu === undefined) {
      const where = window.isSecureContext ? 'this Chromium has WebGPU turned off' : `${location.origin} is not a secure context`;
      return { available: false, missing: `no navigator.gpu in headless Chromium (${where}; WebGPU needs --enable-unsafe-webgpu on Linux and an https or http://127.0.0.1 page)` };
    }
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter === null) {
      return { available: false, missing: 'headless Chromium gave no WebGPU adapter (navigator.gpu.requestAdapter() returned null: on Linux Chromium needs --enable-unsafe-webgpu and a Vulkan driver, SwiftShader\'s when there is no GPU)' };
    }
    const info = adapter.info ?? {};
    const words = [info.vendor, info.architecture, info.description].filter((w) => w !== undefined && w !== '');
    const name = words.length > 0 ? words.join(' ') : 'unnamed adapter';
    return { available: true, adapter: name, software: adapter.isFallbackAdapter === true || /swiftshader/i.test(name) };
  });
}

/** A page backend in use: what the page reports, and the line the CLIs print about it. */
export type PageBackendInfo = { info: PageInfo; description: string };

const SOFTWARE_NOTE = ' — software rendering on the CPU: correctness, not GPU speed';

/**
 * Makes `backend` the page's tfjs backend. A backend the browser cannot give (no WebGPU adapter,
 * no float32 textures) is a BackendError: one line naming what is missing, exit 2.
 */
export async function usePageBackend(session: PageSession, backend: PageBackend): Promise<PageBackendInfo> {
  const gpu = backend === 'webgpu' ? await webgpuAdapter(session.page) : null;
  if (gpu !== null && !gpu.available) throw new BackendError(`--backend webgpu: ${gpu.missing}`);
  let info: PageInfo;
  try {
    info = await session.page.evaluate((name) => window.handgrad!.useBackend(name), backend);
  } catch (error) {
    throw new BackendError(`--backend ${backend}: ${pageErrorLine(error).replace(/^backend \w+: /, '')} (in headless Chromium)`);
  }
  if (gpu !== null && gpu.available) {
    return { info, description: `webgpu in headless Chromium, WebGPU adapter: ${gpu.adapter}${gpu.software ? SOFTWARE_NOTE : ''}` };
  }
  return { info, description: describePage(info) };
}

/** The page's backend/renderer line, e.g. for the CLI's first output line. */
export function describePage(info: PageInfo): string {
  const textures = info.backend === 'webgl' ? `, float32 textures: ${info.float32Textures}` : '';
  const software = info.backend === 'webgl' && /swiftshader/i.test(info.renderer) ? SOFTWARE_NOTE : '';
  return `${info.backend} in headless Chromium, WebGL ${info.webglVersion} renderer: ${info.renderer}${textures}${software}`;
}

/** A backend the page could not start (or no Chromium at all), and why. */
export type SkippedPageBackend = { backend: PageBackend; kind: 'skipped'; reason: string };

export type PerBackendOptions = {
  log?: (line: string) => void;
  /**
   * --backend all: a missing Chromium or a backend the page cannot start (no WebGPU adapter) becomes
   * a 'skipped' entry. Otherwise it throws a BackendError (one line, exit 2).
   */
  skipUnavailable?: boolean;
};

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * One page session (one Chromium start) for all of `backends`: each in turn is made the page's
 * backend, its description logged, and handed to `run`; one entry per backend, in order.
 */
export async function forEachPageBackend<R>(
  backends: PageBackend[],
  options: PerBackendOptions,
  run: (session: PageSession, backend: PageBackend) => Promise<R>,
): Promise<Array<R | SkippedPageBackend>> {
  const log = options.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  let session: PageSession;
  try {
    session = await openPageSession({ log, backend: backends[0] });
  } catch (error) {
    if (options.skipUnavailable !== true) throw error;
    const reason = firstLine(error).replace(/^--backend \w+ /, '');
    return backends.map((backend) => ({ backend, kind: 'skipped', reason }));
  }
  try {
    const results: Array<R | SkippedPageBackend> = [];
    for (const backend of backends) {
      try {
        log((await usePageBackend(session, backend)).description);
      } catch (error) {
        if (options.skipUnavailable !== true) throw error;
        results.push({ backend, kind: 'skipped', reason: firstLine(error).replace(/^--backend \w+: /, '') });
        continue;
      }
      results.push(await run(session, backend));
    }
    if (session.consoleErrors.length > 0) log(`page console errors: ${session.consoleErrors.join(' | ')}`);
    return results;
  } finally {
    await session.close();
  }
}

/**
 * One headless-Chromium session on the built page: build if needed, serve on 127.0.0.1, launch
 * Debian's chromium, open the page and wait for `window.handgrad`. Console errors are collected.
 */
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, WEB_DIST } from './build.js';
import { chromiumPath, launchChromium } from './chromium.js';
import type { PageInfo } from './protocol.js';
import { servePage, type PageServer } from './server.js';

export type PageSession = {
  page: Page;
  server: PageServer;
  /** console.error messages and uncaught page errors, in order. */
  consoleErrors: string[];
  close: () => Promise<void>;
};

export type SessionOptions = { log?: (line: string) => void };

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
  chromiumPath(); // fail fast, before building, when chromium is missing
  await ensureWebBuild(options.log);
  const server = await servePage(WEB_DIST);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
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

/** The page's backend/renderer line, e.g. for the CLI's first output line. */
export function describePage(info: PageInfo): string {
  return `${info.backend} in headless Chromium, WebGL ${info.webglVersion} renderer: ${info.renderer}${info.backend === 'webgl' ? `, float32 textures: ${info.float32Textures}` : ''}`;
}

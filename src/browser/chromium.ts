/** Finds Debian's chromium and launches it headless through playwright-core (never a downloaded browser). */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { BackendError } from '../backends.js';

/** Where `apt-get install chromium` puts the browser; HANDGRAD_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * SwiftShader gives WebGL2 without a GPU. --enable-unsafe-webgpu turns on WebGPU, which Linux
 * Chromium keeps off by default (its adapter is then SwiftShader too, and only on a secure
 * context such as the http://127.0.0.1 page the session serves). Vulkan on SwiftShader for the
 * rest of the GPU process lets tfjs's synchronous webgpu reads (dataSync, which copy through a
 * canvas) work: without it the first such read loses the WebGPU device. The rest keeps a
 * headless run quiet and offline.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-webgpu',
  '--use-vulkan=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** A BackendError, so the CLIs report it as one line and exit 2. */
export class ChromiumMissingError extends BackendError {
  constructor(path: string, backend: string) {
    super(`--backend ${backend} needs Chromium, but ${path} is not an executable: install it with \`apt-get install chromium\` (or set HANDGRAD_CHROMIUM to a chromium binary)`);
    this.name = 'ChromiumMissingError';
  }
}

/** The browser binary, or ChromiumMissingError naming `backend` (the flag that needed it). */
export function chromiumPath(backend = 'webgl'): string {
  const path = process.env.HANDGRAD_CHROMIUM ?? DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(path, backend);
  }
  return path;
}

export async function launchChromium(): Promise<Browser> {
  // handleSIGINT/SIGTERM/SIGHUP false: each is the trainer's "stop after this batch", which needs the page alive.
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

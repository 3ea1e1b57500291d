/** Finds Debian's chromium and launches it headless through playwright-core (never a downloaded browser). */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { BackendError } from '../backends.js';

/** Where `apt-get install chromium` puts the browser; HANDGRAD_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** SwiftShader gives WebGL2 without a GPU; the rest keeps a headless run quiet and offline. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** A BackendError, so the CLIs report it as one line and exit 2. */
export class ChromiumMissingError extends BackendError {
  constructor(path: string) {
    super(`--backend webgl needs Chromium, but ${path} is not an executable: install it with \`apt-get install chromium\` (or set HANDGRAD_CHROMIUM to a chromium binary)`);
    this.name = 'ChromiumMissingError';
  }
}

export function chromiumPath(): string {
  const path = process.env.HANDGRAD_CHROMIUM ?? DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(path);
  }
  return path;
}

export async function launchChromium(): Promise<Browser> {
  // handleSIGINT/SIGTERM/SIGHUP false: each is the trainer's "stop after this batch", which needs the page alive.
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

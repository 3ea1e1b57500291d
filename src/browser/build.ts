/**
 * Builds the page (web/ → dist/web) with Vite when the build is missing or older than its sources,
 * so the CLIs and tests always serve the current kernels and trainer.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding handgrad's package.json, from this module in the sources (src/browser/) or compiled (dist/src/browser/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const REPO_ROOT = packageRoot();
export const WEB_ROOT = join(REPO_ROOT, 'web');
export const WEB_DIST = join(REPO_ROOT, 'dist/web');
const STAMP = '.handgrad-build-stamp';
/** Folders whose files end up in the bundle. */
const SOURCE_DIRS = ['web', 'custom-ops', 'src', 'gradcheck'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** A fingerprint of the sources: newest mtime over the bundled folders and the lockfile. */
export function sourceStamp(): string {
  const dirs = SOURCE_DIRS.map((d) => join(REPO_ROOT, d)).filter((d) => existsSync(d));
  const lock = join(REPO_ROOT, 'package-lock.json');
  const newest = Math.max(...dirs.map(newestMtime), existsSync(lock) ? statSync(lock).mtimeMs : 0);
  return String(newest);
}

export function buildIsCurrent(): boolean {
  // An installed package ships the page built (dist/web) without its sources: that build is the current one.
  if (!existsSync(WEB_ROOT)) return existsSync(join(WEB_DIST, 'index.html'));
  const stampPath = join(WEB_DIST, STAMP);
  return existsSync(join(WEB_DIST, 'index.html')) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === sourceStamp();
}

const LOCK = `${WEB_DIST}.lock`;
/** A build lock older than this is taken to be left over from a killed process. */
const STALE_LOCK_MS = 180_000;

/** One builder at a time (parallel test files, two CLIs): mkdir is atomic, so it is the lock. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock !== undefined && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds into a fresh folder and renames it over dist/web, so a concurrent reader never sees a
 * half-written build. Returns true when it built, false when the build was current.
 */
export async function ensureWebBuild(log: (line: string) => void = () => {}): Promise<boolean> {
  if (buildIsCurrent()) return false;
  return withBuildLock(async () => (buildIsCurrent() ? false : build(log)));
}

async function build(log: (line: string) => void): Promise<boolean> {
  const stamp = sourceStamp();
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error('building the web page needs vite (a devDependency): run `npm install`');
  }
  log('building the web page with vite (once per source change)…');
  const tmp = `${WEB_DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await vite.build({ configFile: join(WEB_ROOT, 'vite.config.ts'), root: WEB_ROOT, logLevel: 'error', build: { outDir: tmp, emptyOutDir: true } });
  writeFileSync(join(tmp, STAMP), stamp);
  rmSync(WEB_DIST, { recursive: true, force: true });
  try {
    renameSync(tmp, WEB_DIST);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!buildIsCurrent()) throw error; // else another process finished the same build first
  }
  return true;
}

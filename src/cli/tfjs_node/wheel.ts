/**
 * A TensorFlow wheel (a zip): its distribution name and version from the .dist-info folder, and the
 * parts tfjs-node's binding needs — the two C libraries and the headers under tensorflow/include —
 * streamed out to disk one entry at a time (libtensorflow_cc alone is ~790 MB).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { SetupError } from '../common.js';
import type { LibraryNames } from './tools.js';

export interface Wheel {
  file: string;
  /** e.g. tensorflow_cpu */
  distribution: string;
  version: string;
}

const INCLUDE_PREFIX = 'tensorflow/include/';
/** The two headers binding.gyp names: a wheel without them cannot build the binding. */
const REQUIRED_HEADERS = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'];

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (error, zip) => (error ? reject(error) : resolve(zip)));
  });
}

/** Calls `visit` on every entry in order, waiting for each; resolves at the end of the archive. */
async function forEachEntry(file: string, visit: (entry: Entry, zip: ZipFile) => Promise<void>): Promise<void> {
  const zip = await openZip(file);
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      visit(entry, zip).then(
        () => zip.readEntry(),
        (error: unknown) => {
          zip.close();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Lists the wheel and checks it is a TensorFlow wheel for these libraries; SetupError naming what is missing. */
export async function readWheel(file: string, libs: LibraryNames): Promise<Wheel> {
  const names = new Set<string>();
  try {
    await forEachEntry(file, (entry) => {
      names.add(entry.fileName);
      return Promise.resolve();
    });
  } catch (error) {
    throw new SetupError(`--wheel ${file}: not a readable zip archive, which a wheel is (${error instanceof Error ? error.message : String(error)})`);
  }
  let distInfo: RegExpExecArray | null = null;
  for (const name of names) {
    distInfo = /^([A-Za-z0-9_.]+)-([^-/]+)\.dist-info\//.exec(name);
    if (distInfo !== null) break;
  }
  const needed = [`tensorflow/${libs.cc}`, `tensorflow/${libs.framework}`, ...REQUIRED_HEADERS.map((h) => INCLUDE_PREFIX + h)];
  const missing = needed.find((name) => !names.has(name));
  if (distInfo === null || missing !== undefined) {
    throw new SetupError(`--wheel ${file} is not a TensorFlow wheel for this platform: it has no ${missing ?? '*.dist-info/ folder'} (use a tensorflow-cpu or tensorflow wheel)`);
  }
  return { file, distribution: distInfo[1], version: distInfo[2] };
}

/** Where an entry of the wheel goes, or null to skip it. */
function destination(name: string, libs: LibraryNames, libDir: string, includeDir: string): string | null {
  if (name === `tensorflow/${libs.cc}`) return path.join(libDir, libs.cc);
  if (name === `tensorflow/${libs.framework}`) return path.join(libDir, libs.framework);
  if (name.startsWith(INCLUDE_PREFIX) && !name.endsWith('/')) {
    const relative = name.slice(INCLUDE_PREFIX.length);
    if (relative.split('/').includes('..')) return null;
    return path.join(includeDir, relative);
  }
  return null;
}

/** Writes the two libraries into libDir and the headers under includeDir. */
export async function extractWheel(wheel: Wheel, libs: LibraryNames, libDir: string, includeDir: string): Promise<void> {
  mkdirSync(libDir, { recursive: true });
  mkdirSync(includeDir, { recursive: true });
  const made = new Set<string>();
  await forEachEntry(wheel.file, async (entry, zip) => {
    const to = destination(entry.fileName, libs, libDir, includeDir);
    if (to === null) return;
    const dir = path.dirname(to);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s)));
    });
    await pipeline(stream, createWriteStream(to, { mode: to.startsWith(libDir) ? 0o755 : 0o644 }));
  });
}

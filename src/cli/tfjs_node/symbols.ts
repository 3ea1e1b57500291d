/**
 * Does this TensorFlow export every C function tfjs-node's binding calls? The calls are read from the
 * binding's sources (each `TF_…(` / `TFE_…(`, less the binding's own classes and the header-inline
 * TF_TString helpers); the exports from `nm` on the two libraries. A library that lacks one would
 * build and then fail to load, so the check runs before the build.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../common.js';
import { type LibraryNames, type Platform, runTool } from './tools.js';

const CALL = /\b(TFE?_[A-Za-z0-9_]+)\s*\(/g;
const OWN_TYPE = /\b(?:class|struct)\s+(TFE?_[A-Za-z0-9_]+)/g;

function sourceFiles(dir: string, pattern: RegExp, recursive: boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(file).isDirectory())) {
      if (recursive) out.push(...sourceFiles(file, pattern, true));
    } else if (pattern.test(entry.name)) {
      out.push(file);
    }
  }
  return out;
}

/** Functions the TensorFlow headers define inline (nothing to export): the C API and the tstring helpers it uses. */
function inlineInHeaders(includeDir: string): Set<string> {
  const files = [
    ...sourceFiles(path.join(includeDir, 'tensorflow', 'c'), /\.h$/, true),
    ...['tensorflow/tsl/platform', 'tensorflow/core/platform', 'tsl/platform'].flatMap((dir) => sourceFiles(path.join(includeDir, dir), /^ctstring.*\.h$/, false)),
  ];
  const inline = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\binline\b[^;{(]*?\b(TFE?_[A-Za-z0-9_]+)\s*\(/g)) inline.add(match[1]);
  }
  return inline;
}

/** The TF_/TFE_ functions the binding (bindingDir: *.cc, *.h) calls that a TensorFlow library must export. */
export function bindingCalls(bindingDir: string, includeDir: string): string[] {
  const texts = sourceFiles(bindingDir, /\.(cc|h)$/, false).map((file) => readFileSync(file, 'utf8'));
  const own = new Set(texts.flatMap((text) => [...text.matchAll(OWN_TYPE)].map((m) => m[1])));
  const inline = inlineInHeaders(includeDir);
  const calls = new Set(texts.flatMap((text) => [...text.matchAll(CALL)].map((m) => m[1])));
  return [...calls].filter((name) => !own.has(name) && !inline.has(name)).sort();
}

/** Names of the functions and data a shared library exports (`nm -D --defined-only`; `nm -gU` on macOS). */
export async function exportedSymbols(library: string, platform: Platform): Promise<Set<string>> {
  const darwin = platform.startsWith('darwin');
  const listed = await runTool('nm', darwin ? ['-gU', library] : ['-D', '--defined-only', library]);
  if (listed.status !== 0) throw new SetupError(`nm could not read the symbols of ${library} (${listed.startError ?? listed.stderr.trim().split('\n')[0]}): is it a shared library for this platform?`);
  const names = new Set<string>();
  for (const line of listed.stdout.split('\n')) {
    const name = line.trim().split(/\s+/).at(-1);
    if (name === undefined || name === '') continue;
    const bare = name.split('@')[0];
    names.add(darwin && bare.startsWith('_') ? bare.slice(1) : bare);
  }
  return names;
}

/** SetupError naming the first function the binding calls that neither library exports. */
export async function checkExports(options: { bindingDir: string; includeDir: string; libDir: string; libs: LibraryNames; platform: Platform; source: string }): Promise<number> {
  const calls = bindingCalls(options.bindingDir, options.includeDir);
  if (calls.length === 0) throw new SetupError(`no TF_/TFE_ calls found in ${options.bindingDir}: is @tensorflow/tfjs-node's package complete?`);
  const exported = new Set<string>();
  for (const lib of [options.libs.cc, options.libs.framework]) for (const name of await exportedSymbols(path.join(options.libDir, lib), options.platform)) exported.add(name);
  const missing = calls.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new SetupError(
      `${options.libs.cc} from ${options.source} lacks ${missing[0]}, which tfjs-node's binding calls (${missing.length} of its ${calls.length} TF functions missing): use a TensorFlow 2.x CPU wheel such as tensorflow-cpu==2.21.0`,
    );
  }
  return calls.length;
}

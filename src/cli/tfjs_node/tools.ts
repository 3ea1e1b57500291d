/**
 * The machine's side of `handgrad setup tfjs-node`: supported platforms, the tools the build needs
 * (python3 for node-gyp, a C++ compiler, make, nm), node-gyp itself and the running node's headers.
 * Each missing piece is a SetupError naming it and how to get it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SetupError } from '../common.js';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  startError?: string;
}

/** Runs a program to its end (asynchronously, so Ctrl-C handlers still run), collecting its output. */
export function runTool(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ status: null, stdout: '', stderr: '', startError: error.code ?? error.message }));
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

export type Platform = 'linux-x64' | 'linux-arm64' | 'darwin-arm64' | 'darwin-x64';
export const SUPPORTED_PLATFORMS: readonly Platform[] = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64'];

/** The platform key, or a SetupError naming what is supported. */
export function checkPlatform(platform: string, arch: string): Platform {
  const key = `${platform}-${arch}`;
  const found = SUPPORTED_PLATFORMS.find((p) => p === key);
  if (found === undefined) {
    throw new SetupError(`${key} is not supported: the TensorFlow C library comes from a Python wheel, which this command uses on ${SUPPORTED_PLATFORMS.join(', ')}`);
  }
  return found;
}

/** The TensorFlow C libraries as a wheel ships them on each platform. */
export interface LibraryNames {
  /** libtensorflow_cc: the C and eager C API the binding calls. */
  cc: string;
  framework: string;
}

export function libraryNames(platform: Platform): LibraryNames {
  return platform.startsWith('darwin')
    ? { cc: 'libtensorflow_cc.2.dylib', framework: 'libtensorflow_framework.2.dylib' }
    : { cc: 'libtensorflow_cc.so.2', framework: 'libtensorflow_framework.so.2' };
}

/** The pip package whose wheel carries a CPU-only TensorFlow on each platform. */
export function pipPackage(platform: Platform): string {
  return platform === 'linux-x64' ? 'tensorflow-cpu' : 'tensorflow';
}

/** The Python this command runs (for node-gyp, pip and finding an installed TensorFlow): HANDGRAD_PYTHON or python3. */
export function defaultPython(): string {
  return process.env.HANDGRAD_PYTHON ?? 'python3';
}

async function runs(command: string, args: readonly string[]): Promise<boolean> {
  return (await runTool(command, args)).status === 0;
}

const INSTALL_HINT: Record<'linux' | 'darwin', string> = {
  linux: 'apt-get install python3 g++ make binutils (or your distribution’s equivalents)',
  darwin: 'xcode-select --install (Xcode Command Line Tools) and a python3',
};

/** The C++ compiler node-gyp will use, or a SetupError: make, nm and python3 too. */
export async function checkBuildTools(platform: Platform, python: string): Promise<void> {
  const hint = INSTALL_HINT[platform.startsWith('darwin') ? 'darwin' : 'linux'];
  if (!(await runs(python, ['--version']))) throw new SetupError(`${python} not found: node-gyp needs Python 3 to build tfjs-node's binding; ${hint}, or set HANDGRAD_PYTHON`);
  const compilers = process.env.CXX ? [process.env.CXX] : ['c++', 'g++', 'clang++'];
  let compiler: string | undefined;
  for (const candidate of compilers) {
    if (await runs(candidate, ['--version'])) {
      compiler = candidate;
      break;
    }
  }
  if (compiler === undefined) throw new SetupError(`no C++ compiler (${compilers.join(', ')} not found) to build tfjs-node's binding: ${hint}`);
  if (!(await runs('make', ['--version']))) throw new SetupError(`make not found, which node-gyp needs to build tfjs-node's binding: ${hint}`);
  if (!(await runs('nm', platform.startsWith('darwin') ? ['-gU', process.execPath] : ['--version']))) {
    throw new SetupError(`nm not found, which reads the TensorFlow library's exported functions: ${hint}`);
  }
}

/** node-gyp: npm's own copy (npm_config_node_gyp, or beside the npm that runs), else one installed as a package. */
export function findNodeGyp(): string {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package
  }
  const found = candidates.find((file) => file.endsWith('.js') && existsSync(file));
  if (found === undefined) throw new SetupError('node-gyp not found (it ships with npm): reinstall npm, or `npm install -g node-gyp` and set npm_config_node_gyp to its bin/node-gyp.js');
  return found;
}

/** The running node's install prefix when it holds the headers (a distro node keeps them in <prefix>/include/node); else node-gyp fetches them. */
export function nodeHeadersDir(): string | undefined {
  const fromConfig = process.env.npm_config_nodedir;
  if (fromConfig && existsSync(path.join(fromConfig, 'include', 'node', 'node_api.h'))) return fromConfig;
  const prefix = path.dirname(path.dirname(process.execPath));
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** `npm` as a program and leading arguments: the npm that runs this command (npx), else the one on PATH. */
export function npmCommand(): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath) && existsSync(execPath)) return { command: process.execPath, args: [execPath] };
  return { command: 'npm', args: [] };
}

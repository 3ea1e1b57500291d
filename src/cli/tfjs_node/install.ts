/**
 * `handgrad setup tfjs-node`: makes @tensorflow/tfjs-node load where its own installer cannot
 * (it downloads libtensorflow 2.9.1 from Google storage, which answers 403: tfjs#8742).
 *
 * Everything happens in a staging copy of the package beside it in node_modules/@tensorflow (same
 * filesystem): the TensorFlow C library from a wheel or a Python's tensorflow goes into deps/, the
 * binding is compiled there with node-gyp from tfjs-node's own binding.gyp and sources, a child
 * process loads the staged package and multiplies two matrices, and only then does the staged copy
 * replace the package (two renames). Any failure leaves the previous package as it was.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processAlive } from '../../train/atomic.js';
import { SetupError } from '../common.js';
import { checkExports } from './symbols.js';
import { acquire, planPip, planPython, planWheel, provide, type ReadySource, type SourcePlan } from './tensorflow_source.js';
import {
  checkBuildTools,
  checkPlatform,
  defaultPython,
  findNodeGyp,
  type LibraryNames,
  libraryNames,
  nodeHeadersDir,
  npmCommand,
  pipPackage,
  type Platform,
  runTool,
} from './tools.js';
import { verifyPackage } from './verify.js';

/** The TensorFlow this release is tested with (see the command's --help). */
export const DEFAULT_TENSORFLOW_VERSION = '2.21.0';
/** In the package folder: which TensorFlow this command put there, and from where. */
export const MARKER_FILE = 'handgrad-setup.json';
/** node-pre-gyp looks for the binding in lib/napi-v<N>, N the highest of tfjs-node's napi_versions the running node supports. */
const NAPI_VERSION = 8;
const BINDING_PATH = path.join('lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
const STAGING_PREFIX = '.tfjs-node-setup-';
/** tfjs-node's installer honours these (scripts/install.js, deps-constants.js, node-pre-gyp's binary host mirror). */
const MIRROR_VARIABLES = [
  'TFJS_NODE_CDN_STORAGE',
  'TFJS_NODE_BASE_URI',
  'npm_config_tfjs_node_cdn_storage',
  'npm_config_tfjs_node_base_uri',
  'npm_config_tfjs_binding_binary_host_mirror',
];
const OWN_INSTALLER_SOURCE = "tfjs-node's own installer";

export interface SetupOptions {
  wheel?: string;
  python?: string;
  tensorflowVersion: string;
  force: boolean;
  /** The project whose node_modules gets tfjs-node (default: the one holding handgrad's @tensorflow/tfjs). */
  prefix?: string;
  say: (line: string) => void;
}

interface Marker {
  tensorflow: string;
  source: string;
  tfjsNode: string;
}

interface Location {
  /** Where `npm install` runs. */
  prefix: string;
  nodeModules: string;
  /** node_modules/@tensorflow/tfjs-node */
  target: string;
  /** The @tensorflow/tfjs version beside it: tfjs-node's must match. */
  tfjsVersion: string;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function locate(prefix: string | undefined): Location {
  let nodeModules: string;
  if (prefix !== undefined) {
    nodeModules = path.join(path.resolve(prefix), 'node_modules');
  } else {
    let tfjsMain: string;
    try {
      tfjsMain = createRequire(import.meta.url).resolve('@tensorflow/tfjs');
    } catch {
      throw new SetupError('@tensorflow/tfjs is not installed beside handgrad: run `npm install` first');
    }
    nodeModules = tfjsMain.slice(0, tfjsMain.lastIndexOf(`${path.sep}@tensorflow${path.sep}tfjs${path.sep}`));
  }
  const tfjs = readJson<{ version: string }>(path.join(nodeModules, '@tensorflow', 'tfjs', 'package.json'));
  if (tfjs === undefined) throw new SetupError(`${nodeModules} has no @tensorflow/tfjs: run \`npm install\` in ${path.dirname(nodeModules)} first`);
  return { prefix: path.dirname(nodeModules), nodeModules, target: path.join(nodeModules, '@tensorflow', 'tfjs-node'), tfjsVersion: tfjs.version };
}

function installedVersion(target: string): string | undefined {
  return readJson<{ version: string }>(path.join(target, 'package.json'))?.version;
}

/** Staging folders left by a run that was killed (their pid is gone). */
function removeStaleStaging(scopeDir: string): void {
  if (!existsSync(scopeDir)) return;
  for (const name of readdirSync(scopeDir)) {
    const pid = new RegExp(`^${STAGING_PREFIX.replace('.', '\\.')}(?:old-)?(\\d+)-`).exec(name);
    if (pid !== null && !processAlive(Number(pid[1]))) rmSync(path.join(scopeDir, name), { recursive: true, force: true });
  }
}

/** Paths removed if the user stops the command (Ctrl-C) while they exist. */
const pendingRemovals = new Set<string>();

function onStopSignal(signal: NodeJS.Signals): void {
  for (const dir of pendingRemovals) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`setup: stopped by ${signal}; tfjs-node is as it was\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function uniqueName(kind = ''): string {
  return `${STAGING_PREFIX}${kind}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A copy of the package's own files (not deps/, build/, lib/ or our marker) beside it. */
function makeStaging(location: Location): string {
  const staging = path.join(path.dirname(location.target), uniqueName());
  pendingRemovals.add(staging);
  const skip = new Set(['deps', 'build', 'lib', MARKER_FILE].map((name) => path.join(location.target, name)));
  cpSync(location.target, staging, { recursive: true, verbatimSymlinks: true, filter: (source) => !skip.has(source) });
  return staging;
}

function discard(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  pendingRemovals.delete(dir);
}

/** Moves the staged package into place: the old one aside, the new one in, the old one removed. */
function swapIntoPlace(staging: string, target: string): void {
  const old = path.join(path.dirname(target), uniqueName('old-'));
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (error) {
    if (hadOld) renameSync(old, target);
    throw error;
  }
  pendingRemovals.delete(staging);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

function writeMarker(dir: string, marker: Marker): void {
  writeFileSync(path.join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

/** Installs the npm package (no scripts: its installer is the download that fails) when it is absent or of another version. */
async function ensurePackage(location: Location, say: (line: string) => void): Promise<{ added: boolean }> {
  if (installedVersion(location.target) === location.tfjsVersion && existsSync(path.join(location.target, 'binding.gyp'))) return { added: false };
  const existed = existsSync(location.target);
  const spec = `@tensorflow/tfjs-node@${location.tfjsVersion}`;
  say(`installing ${spec} (its download step skipped) into ${location.prefix}`);
  const npm = npmCommand();
  const run = await runTool(npm.command, [...npm.args, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec], { cwd: location.prefix });
  if (run.status !== 0 || installedVersion(location.target) !== location.tfjsVersion) {
    const why = run.startError ?? (run.stderr.split('\n').find((l) => /npm (error|ERR!)/.test(l) && !/A complete log/.test(l)) ?? run.stderr.trim().split('\n').at(-1) ?? '').trim();
    throw new SetupError(`npm could not install ${spec} into ${location.prefix} (${why})`);
  }
  return { added: !existed };
}

/** The names binding.gyp links against, as links to the wheel's files. */
function linkLibraryNames(libDir: string, libs: LibraryNames, platform: Platform): void {
  const links: Array<[string, string]> = platform.startsWith('darwin')
    ? [['libtensorflow.2.dylib', libs.cc]]
    : [
        ['libtensorflow.so.2', libs.cc],
        ['libtensorflow.so', 'libtensorflow.so.2'],
        ['libtensorflow_framework.so', libs.framework],
      ];
  for (const [name, to] of links) symlinkSync(to, path.join(libDir, name));
}

function firstErrorLine(text: string): string {
  return (text.split('\n').find((line) => /\berror\b/i.test(line) && !/^gyp (ERR!|info) (stack|cwd|node|System|command)/.test(line)) ?? text.trim().split('\n').at(-1) ?? '').trim();
}

/** node-gyp rebuild in the staged package; the binding then copied to where node-pre-gyp looks. */
async function compile(staging: string, platform: Platform, python: string): Promise<void> {
  const args = [findNodeGyp(), 'rebuild', `--python=${python}`, `--napi_build_version=${NAPI_VERSION}`, '--module_name=tfjs_binding', `--module_path=lib/napi-v${NAPI_VERSION}`, '--jobs=max'];
  const nodeDir = nodeHeadersDir();
  if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`);
  const run = await runTool(process.execPath, args, { cwd: staging });
  const log = path.join(tmpdir(), 'handgrad-tfjs-node-build.log');
  writeFileSync(log, `${run.stdout}${run.stderr}`);
  const built = path.join(staging, 'build', 'Release', 'tfjs_binding.node');
  if (run.status !== 0 || !existsSync(built)) throw new Error(`node-gyp could not build tfjs-node's binding (${firstErrorLine(run.stderr)}; full log in ${log})`);
  mkdirSync(path.dirname(path.join(staging, BINDING_PATH)), { recursive: true });
  copyFileSync(built, path.join(staging, BINDING_PATH));
  if (platform.startsWith('darwin')) {
    // The wheel's dylibs are named @rpath/…: give the binding the rpath binding.gyp gives Linux.
    const rpath = await runTool('install_name_tool', ['-add_rpath', '@loader_path/../../deps/lib', path.join(staging, BINDING_PATH)]);
    if (rpath.status !== 0) throw new Error(`install_name_tool could not set the binding's rpath (${rpath.stderr.trim()})`);
  }
}

/** Stages, builds, checks and moves into place a tfjs-node that runs the TensorFlow of `source`. */
async function buildFromSource(location: Location, plan: SourcePlan, source: ReadySource, platform: Platform, say: (line: string) => void): Promise<void> {
  const libs = libraryNames(platform);
  const started = Date.now();
  const staging = makeStaging(location);
  try {
    const libDir = path.join(staging, 'deps', 'lib');
    const includeDir = path.join(staging, 'deps', 'include');
    mkdirSync(libDir, { recursive: true });
    await provide(source, libs, libDir, includeDir, say);
    const checked = await checkExports({ bindingDir: path.join(staging, 'binding'), includeDir, libDir, libs, platform, source: plan.label });
    linkLibraryNames(libDir, libs, platform);
    say(`building tfjs-node's binding with node-gyp against TensorFlow ${plan.version} (all ${checked} TF functions it calls are exported)`);
    await compile(staging, platform, defaultPython());
    rmSync(includeDir, { recursive: true, force: true });
    rmSync(path.join(staging, 'build'), { recursive: true, force: true });
    const verified = await verifyPackage(staging);
    if (!verified.ok) throw new Error(`the built binding fails its check: ${verified.reason}`);
    writeMarker(staging, { tensorflow: verified.tensorflow, source: plan.label, tfjsNode: location.tfjsVersion });
    swapIntoPlace(staging, location.target);
    say(`tfjs-node ${location.tfjsVersion} now runs TensorFlow ${verified.tensorflow} (built in ${Math.round((Date.now() - started) / 1000)} s); \`--backend tensorflow\` is ready`);
  } catch (error) {
    discard(staging);
    throw error;
  }
}

function mirrorVariable(): string | undefined {
  return MIRROR_VARIABLES.find((name) => process.env[name]);
}

/** tfjs-node's own installer, in a staging copy, with the user's mirror: true when its result loads and is now in place. */
async function tryOwnInstaller(location: Location, variable: string, say: (line: string) => void): Promise<boolean> {
  say(`${variable} is set: running ${OWN_INSTALLER_SOURCE} first`);
  const staging = makeStaging(location);
  try {
    const bin = path.join(location.nodeModules, '.bin');
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    const run = await runTool(process.execPath, [path.join('scripts', 'install.js')], { cwd: staging, env });
    const verified = existsSync(path.join(staging, BINDING_PATH)) ? await verifyPackage(staging) : { ok: false as const, reason: `no ${BINDING_PATH} (${firstErrorLine(run.stderr + run.stdout)})` };
    if (!verified.ok) {
      discard(staging);
      say(`${OWN_INSTALLER_SOURCE} gave no working binding (${verified.reason}); building from a TensorFlow wheel instead`);
      return false;
    }
    writeMarker(staging, { tensorflow: verified.tensorflow, source: `${OWN_INSTALLER_SOURCE} (${variable})`, tfjsNode: location.tfjsVersion });
    swapIntoPlace(staging, location.target);
    say(`tfjs-node ${location.tfjsVersion} now runs TensorFlow ${verified.tensorflow} from ${OWN_INSTALLER_SOURCE} (${variable})`);
    return true;
  } catch (error) {
    discard(staging);
    throw error;
  }
}

async function planSource(options: SetupOptions, platform: Platform): Promise<SourcePlan> {
  const libs = libraryNames(platform);
  const pipName = pipPackage(platform);
  if (options.wheel !== undefined) return planWheel(options.wheel, libs);
  if (options.python !== undefined) return planPython(options.python, libs, `${pipName}==${options.tensorflowVersion}`);
  return planPip(defaultPython(), pipName, options.tensorflowVersion);
}

/** An existing install of the same TensorFlow that still works, described; else undefined. */
async function existingInstall(location: Location, plan: SourcePlan, mirror: string | undefined): Promise<string | undefined> {
  const marker = readJson<Marker>(path.join(location.target, MARKER_FILE));
  if (marker === undefined || marker.tfjsNode !== installedVersion(location.target)) return undefined;
  const same = marker.tensorflow === plan.version || (mirror !== undefined && marker.source.startsWith(OWN_INSTALLER_SOURCE));
  if (!same) return undefined;
  const verified = await verifyPackage(location.target);
  return verified.ok ? `tfjs-node ${marker.tfjsNode} is already set up with TensorFlow ${verified.tensorflow} (from ${marker.source}); --force rebuilds it` : undefined;
}

export async function setupTfjsNode(options: SetupOptions): Promise<number> {
  const platform = checkPlatform(process.platform, process.arch);
  const location = locate(options.prefix);
  removeStaleStaging(path.dirname(location.target));
  const plan = await planSource(options, platform);
  const mirror = mirrorVariable();
  if (!options.force) {
    const existing = await existingInstall(location, plan, mirror);
    if (existing !== undefined) {
      options.say(existing);
      return 0;
    }
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, onStopSignal);
  let added = false;
  try {
    if (mirror !== undefined) {
      added = (await ensurePackage(location, options.say)).added;
      if (added) pendingRemovals.add(location.target);
      if (await tryOwnInstaller(location, mirror, options.say)) return 0;
    }
    await checkBuildTools(platform, defaultPython());
    findNodeGyp();
    const source = await acquire(plan, libraryNames(platform), options.say);
    try {
      added = (await ensurePackage(location, options.say)).added || added;
      if (added) pendingRemovals.add(location.target);
      await buildFromSource(location, plan, source, platform, options.say);
    } finally {
      source.release();
    }
    return 0;
  } catch (error) {
    // A package this run installed and could not finish goes again: the previous state was "absent".
    if (added) rmSync(location.target, { recursive: true, force: true });
    throw error;
  } finally {
    pendingRemovals.delete(location.target);
    for (const signal of signals) process.off(signal, onStopSignal);
  }
}

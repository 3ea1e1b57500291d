/**
 * `handgrad setup tfjs-node`, run as a user runs it (the bin, a project folder via --prefix).
 * Each missing piece: one line naming it, exit 2, the project untouched. A TensorFlow library that
 * lacks a function the binding calls is caught before the build (a tiny g++-built library stands in);
 * a build that fails leaves no trace. With a real wheel (HANDGRAD_TF_WHEEL_DIR, which CI fills the
 * way it gets its own): a fresh project gets a tfjs-node that multiplies matrices through TensorFlow,
 * a second run says so and builds nothing, and a failed --force rebuild keeps the working install.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/cli/common.js';
import { checkPlatform } from '../../src/cli/tfjs_node/tools.js';
import { availability, tensorflowWheel } from '../helpers/requirements.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'handgrad.mjs');
const TFJS_VERSION = (JSON.parse(readFileSync(join(REPO, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as { version: string }).version;
const TFJS_NODE_SOURCES = join(REPO, 'node_modules', '@tensorflow', 'tfjs-node');
const TFJS_NODE = availability('tensorflow', existsSync(join(TFJS_NODE_SOURCES, 'binding', 'tfjs_binding.cc')) ? null : "@tensorflow/tfjs-node's package is not in node_modules");
const CXX = spawnSync('g++', ['--version']).status === 0;

const work = mkdtempSync(join(tmpdir(), 'handgrad-setup-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function handgrad(args: string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work, env: { ...process.env, ...options.env }, timeout: options.timeout ?? 120_000 });
}

let projects = 0;
/** A project folder with @tensorflow/tfjs (its package.json: all `locate` reads) and, optionally, tfjs-node's own sources as npm installs them. */
function project(withTfjsNodeSources: boolean): string {
  const dir = join(work, `project-${projects++}`);
  const scope = join(dir, 'node_modules', '@tensorflow');
  mkdirSync(join(scope, 'tfjs'), { recursive: true });
  writeFileSync(join(scope, 'tfjs', 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs', version: TFJS_VERSION }));
  if (withTfjsNodeSources) {
    const to = join(scope, 'tfjs-node');
    mkdirSync(to);
    for (const entry of ['package.json', 'binding.gyp', 'binding', 'scripts']) cpSync(join(TFJS_NODE_SOURCES, entry), join(to, entry), { recursive: true });
  }
  return dir;
}

/** Every file under a folder with its size and modification time, and every folder: "untouched" means this is equal before and after. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    const stat = statSync(file, { throwIfNoEntry: false });
    // A folder's own time changes when a staging folder comes and goes in it: its entries are what count.
    out.push(entry.isDirectory() ? `${file}/` : `${file} ${stat?.size ?? 'dangling'} ${stat?.mtimeMs ?? ''}`);
  }
  return out.sort();
}

/** One line on stderr, exit `code`, the project as it was. */
function expectOneLine(result: SpawnSyncReturns<string>, code: number, pattern: RegExp): void {
  expect(result.status, result.stderr + result.stdout).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

/** The TF_/TFE_ names the binding's sources call, read here independently of the command's own scan. */
function bindingNames(packageDir = TFJS_NODE_SOURCES): string[] {
  const dir = join(packageDir, 'binding');
  const names = new Set<string>();
  for (const file of readdirSync(dir)) for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\b(TFE?_\w+)\s*\(/g)) names.add(m[1]);
  return [...names].sort();
}

/** A shared library exporting exactly these C functions, built with g++. */
function sharedLibrary(name: string, exports: string[]): string {
  const source = join(work, `${name}.cc`);
  writeFileSync(source, `extern "C" {\n${exports.map((f) => `void ${f}(void) {}`).join('\n')}\n}\n`);
  const library = join(work, name);
  const built = spawnSync('g++', ['-shared', '-fPIC', '-o', library, source], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`g++ failed: ${built.stderr}`);
  return library;
}

/** A wheel-shaped zip: dist-info, the two libraries, the two headers binding.gyp names (empty). */
function fakeWheel(name: string, ccExports: string[]): string {
  const file = join(work, name);
  const entries: Record<string, Uint8Array> = {
    'tensorflow_cpu-2.21.0.dist-info/METADATA': new TextEncoder().encode('Name: tensorflow-cpu\nVersion: 2.21.0\n'),
    'tensorflow/libtensorflow_cc.so.2': readFileSync(sharedLibrary(`${name}-cc.so`, ccExports)),
    'tensorflow/libtensorflow_framework.so.2': readFileSync(sharedLibrary(`${name}-framework.so`, ['TF_FrameworkPlaceholder'])),
    'tensorflow/include/tensorflow/c/c_api.h': new Uint8Array(),
    'tensorflow/include/tensorflow/c/eager/c_api.h': new Uint8Array(),
  };
  writeFileSync(file, zipSync(entries));
  return file;
}

function which(tool: string): string {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
}

/** A python3 that sees no site-packages: no tensorflow, no pip. */
function bareExecutable(name: string, script: string): string {
  const file = join(work, name);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}
const BARE_PYTHON = bareExecutable('python-without-site', '#!/bin/sh\nexec python3 -S "$@"\n');

describe('setup tfjs-node: each missing piece is one line and exit 2, nothing touched', () => {
  it('a platform it does not support is named with the supported ones', () => {
    expect(() => checkPlatform('win32', 'x64')).toThrow(SetupError);
    expect(() => checkPlatform('win32', 'x64')).toThrow(/^win32-x64 is not supported: .* on linux-x64, linux-arm64, darwin-arm64, darwin-x64$/);
    expect(() => checkPlatform('linux', 'ia32')).toThrow(/^linux-ia32 is not supported/);
    expect(checkPlatform('linux', 'x64')).toBe('linux-x64');
    expect(checkPlatform('darwin', 'arm64')).toBe('darwin-arm64');
  });

  it('bad usage: no target, an unknown one, two sources, a version that is not one', () => {
    expectOneLine(handgrad(['setup']), 2, /^setup: missing what to set up \(expected: tfjs-node; see --help\)$/);
    expectOneLine(handgrad(['setup', 'tfjs-gpu']), 2, /^setup: unknown target "tfjs-gpu" \(expected: tfjs-node\)$/);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--wheel', 'a.whl', '--python', 'python3']), 2, /^setup: --wheel and --python both name a TensorFlow: give one$/);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--tensorflow-version', 'latest']), 2, /^setup: --tensorflow-version: "latest" is not a version such as 2\.21\.0$/);
    const help = handgrad(['setup', 'tfjs-node', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--tensorflow-version V {4}the version pip downloads \(default 2\.21\.0: the TensorFlow handgrad is/);
  });

  it('--wheel naming no file', () => {
    const dir = project(false);
    const before = snapshot(dir);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', join(work, 'missing.whl')]), 2, /^setup: --wheel \S*missing\.whl: no such file$/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--wheel naming a file that is not a zip, and a zip that is not a TensorFlow wheel', () => {
    const dir = project(false);
    const before = snapshot(dir);
    const text = join(work, 'notes.whl');
    writeFileSync(text, 'not a zip\n');
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', text]), 2, /^setup: --wheel \S*notes\.whl: not a readable zip archive, which a wheel is \(.+\)$/);
    const other = join(work, 'numpy-2.0.0-cp311-cp311-linux_x86_64.whl');
    writeFileSync(other, zipSync({ 'numpy-2.0.0.dist-info/METADATA': new TextEncoder().encode('Name: numpy\n'), 'numpy/__init__.py': new Uint8Array() }));
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', other]), 2, /^setup: --wheel \S*numpy-2\.0\.0-\S+\.whl is not a TensorFlow wheel for this platform: it has no tensorflow\/libtensorflow_cc\.so\.2/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--python naming a Python without tensorflow, or no program at all', () => {
    const dir = project(false);
    const before = snapshot(dir);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--python', BARE_PYTHON]), 2, /^setup: --python \S*python-without-site has no tensorflow package: `\S+ -m pip install tensorflow(-cpu)?==2\.21\.0`, or give a wheel with --wheel PATH$/);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--python', join(work, 'no-such-python')]), 2, /^setup: --python \S*no-such-python: cannot run it \(ENOENT\)$/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('no wheel to be had: pip finds none, or there is no pip', () => {
    const dir = project(false);
    const before = snapshot(dir);
    const emptyLinks = join(work, 'no-wheels');
    mkdirSync(emptyLinks, { recursive: true });
    const offline = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: emptyLinks, PIP_CONFIG_FILE: '/dev/null' };
    const pip = handgrad(['setup', 'tfjs-node', '--prefix', dir], { env: offline });
    expectOneLine(pip, 2, /^setup: (pip could not download tensorflow(-cpu)?==2\.21\.0 \(.+\): give a wheel with --wheel PATH or a Python that has TensorFlow with --python PATH|python3 has no pip to download .+)$/);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--tensorflow-version', '2.19.0'], { env: { ...offline, HANDGRAD_PYTHON: BARE_PYTHON } }), 2, /^setup: \S*python-without-site has no pip to download tensorflow(-cpu)?==2\.19\.0 \(.*No module named pip.*\): install pip/);
    expect(snapshot(dir)).toEqual(before);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('handgrad-tf-wheel-') && readdirSync(join(tmpdir(), f)).length === 0)).toEqual([]);
  });

  it.skipIf(!CXX)(`no C++ compiler on PATH${CXX ? '' : ' (SKIPPED: g++ is needed to make the test wheel)'}`, () => {
    const dir = project(false);
    const wheel = fakeWheel('tools.whl', ['TF_NewStatus']);
    const path = join(work, 'path-without-compilers');
    mkdirSync(path, { recursive: true });
    // The real programs (a pyenv shim would need pyenv itself on PATH).
    const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    const tools: Record<string, string> = { python3: python, make: which('make'), nm: which('nm') };
    for (const [tool, found] of Object.entries(tools)) if (found !== '' && !existsSync(join(path, tool))) symlinkSync(realpathSync(found), join(path, tool));
    const env: NodeJS.ProcessEnv = { PATH: path, CXX: '' };
    const before = snapshot(dir);
    expectOneLine(handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel], { env }), 2, /^setup: no C\+\+ compiler \(c\+\+, g\+\+, clang\+\+ not found\) to build tfjs-node's binding: apt-get install/);
    expect(snapshot(dir)).toEqual(before);
  });

  describe.skipIf(!CXX || !TFJS_NODE.available)(`against tfjs-node's own binding sources${TFJS_NODE.skipNote}`, () => {
    it('a TensorFlow library that lacks one function the binding calls is refused before the build, naming the function', () => {
      const dir = project(true);
      const wheel = fakeWheel('lacking.whl', bindingNames().filter((name) => name !== 'TFE_Execute'));
      const before = snapshot(dir);
      expectOneLine(
        handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel]),
        2,
        /^setup: libtensorflow_cc\.so\.2 from wheel \S*lacking\.whl lacks TFE_Execute, which tfjs-node's binding calls \(1 of its \d+ TF functions missing\): use a TensorFlow 2\.x CPU wheel/,
      );
      expect(snapshot(dir)).toEqual(before);
    });

    it("with a libtensorflow mirror set, tfjs-node's own installer runs first; when it gives nothing that loads, the wheel is used", () => {
      const dir = project(true);
      const wheel = fakeWheel('lacking-after-mirror.whl', bindingNames().filter((name) => name !== 'TF_DeleteStatus'));
      const before = snapshot(dir);
      const result = handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel], { env: { TFJS_NODE_CDN_STORAGE: 'http://127.0.0.1:9/' } });
      expect(result.stdout).toMatch(/^setup tfjs-node: TFJS_NODE_CDN_STORAGE is set: running tfjs-node's own installer first\nsetup tfjs-node: tfjs-node's own installer gave no working binding \(.+\); building from a TensorFlow wheel instead\n/);
      expectOneLine(result, 2, /^setup: libtensorflow_cc\.so\.2 from wheel \S*lacking-after-mirror\.whl lacks TF_DeleteStatus,/);
      expect(snapshot(dir)).toEqual(before);
    });

    it('a build that fails (empty headers) exits 1 with one line and leaves the project as it was', () => {
      const dir = project(true);
      const wheel = fakeWheel('headerless.whl', bindingNames());
      const before = snapshot(dir);
      const result = handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel], { timeout: 300_000 });
      expectOneLine(result, 1, /^setup: node-gyp could not build tfjs-node's binding \(.*error.*; full log in \S+\)$/);
      expect(result.stdout).toMatch(/all \d+ TF functions it calls are exported/);
      expect(snapshot(dir)).toEqual(before);
    }, 300_000);
  });
});

const REAL = tensorflowWheel();

describe.skipIf(!REAL.available || !CXX)(`setup tfjs-node from a real wheel in a fresh project${REAL.skipNote}`, () => {
  const { wheel, version } = REAL;
  const dir = join(work, 'real-project');
  const installed = join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  const binding = join(installed, 'lib', 'napi-v8', 'tfjs_binding.node');

  /** A product through the installed package, in a fresh node: [[1,2,3],[4,5,6]]·[[1,0],[0,1],[2,-1]]. */
  function multiplyThroughIt(): { backend: string; tensorflow: string; values: number[] } {
    const script = `const tf = require(${JSON.stringify(installed)});
const p = tf.matMul(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor2d([[1, 0], [0, 1], [2, -1]]));
console.log(JSON.stringify({ backend: tf.getBackend(), tensorflow: tf.backend().binding.TF_Version, values: Array.from(p.dataSync()) }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as { backend: string; tensorflow: string; values: number[] };
  }

  it('builds: the package loads TensorFlow and multiplies through it; the headers are not kept', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "name": "tfjs-node-user", "private": true }\n');
    const npm = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `@tensorflow/tfjs@${TFJS_VERSION}`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    expect(npm.status, npm.stderr).toBe(0);
    const result = handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel], { timeout: 900_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`now runs TensorFlow ${version.replace(/\./g, '\\.')} `));
    expect(multiplyThroughIt()).toEqual({ backend: 'tensorflow', tensorflow: version, values: [7, -1, 16, -1] });
    expect(existsSync(join(installed, 'deps', 'include'))).toBe(false);
    expect(JSON.parse(readFileSync(join(installed, 'handgrad-setup.json'), 'utf8'))).toEqual({ tensorflow: version, source: `wheel ${wheel}`, tfjsNode: TFJS_VERSION });
    expect(readdirSync(join(dir, 'node_modules', '@tensorflow')).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 900_000);

  it('a second run says it is already set up and builds nothing', () => {
    const builtAt = statSync(binding).mtimeMs;
    const result = handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', wheel]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`setup tfjs-node: tfjs-node ${TFJS_VERSION} is already set up with TensorFlow ${version} (from wheel ${wheel}); --force rebuilds it`);
    expect(statSync(binding).mtimeMs).toBe(builtAt);
  });

  it('a --force rebuild that fails keeps the working install', () => {
    const builtAt = statSync(binding).mtimeMs;
    const broken = fakeWheel('broken-rebuild.whl', bindingNames(installed));
    const result = handgrad(['setup', 'tfjs-node', '--prefix', dir, '--wheel', broken, '--force'], { timeout: 300_000 });
    expectOneLine(result, 1, /^setup: node-gyp could not build tfjs-node's binding/);
    expect(statSync(binding).mtimeMs).toBe(builtAt);
    expect(multiplyThroughIt().values).toEqual([7, -1, 16, -1]);
    expect(readdirSync(join(dir, 'node_modules', '@tensorflow')).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 300_000);
});

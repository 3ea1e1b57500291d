#!/usr/bin/env node
// Builds the native backend (native/build/Release/handgrad_native.node) with node-gyp from the
// sources in native/src, against the local Node headers. Its matrix products run on OpenBLAS where
// pkg-config finds it, else on handgrad's own sgemm (no library needed); HANDGRAD_NATIVE_BLAS overrides
// that (docs/native.md):  auto (default) | none | openblas | accelerate
// Runs at `npm install`; a missing compiler never fails the install: it prints one line and
// `native` stays unavailable. HANDGRAD_REQUIRE_NATIVE=1 turns that line into a failure (CI),
// HANDGRAD_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = path.dirname(fileURLToPath(import.meta.url));
const buildDir = path.join(nativeDir, 'build');
const logPath = path.join(nativeDir, 'build.log');
const addonPath = path.join(buildDir, 'Release', 'handgrad_native.node');
const INSTALL_HINT = 'apt-get install g++ make python3, then run `npm run build:native`';
const BLAS_CHOICES = ['auto', 'none', 'openblas', 'accelerate'];

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** What is missing to build, or null. */
function missingTools() {
  const missing = [];
  const cxx = process.env.CXX || 'c++';
  if (!succeeds(cxx, ['--version']) && !succeeds('g++', ['--version'])) missing.push('a C++ compiler (g++)');
  if (!succeeds('make', ['--version'])) missing.push('make');
  if (!succeeds('python3', ['--version'])) missing.push('python3');
  return missing.length === 0 ? null : missing.join(', ');
}

/**
 * The GEMM to build with (binding.gyp's handgrad_gemm): 'own', 'openblas' or 'accelerate'. The rule for
 * auto: OpenBLAS when pkg-config finds it, else handgrad's own sgemm. Measured against OpenBLAS running
 * the kernels it picks for the CPU, the own sgemm is as fast on the default job's products but up to
 * 1.5× slower on some large ones (docs/native.md), so it is the fallback, not the first choice.
 */
function chooseGemm() {
  const asked = process.env.HANDGRAD_NATIVE_BLAS || 'auto';
  const unsetHint = 'unset HANDGRAD_NATIVE_BLAS (handgrad\'s own sgemm needs no library), then run `npm run build:native`';
  if (!BLAS_CHOICES.includes(asked)) fail(`HANDGRAD_NATIVE_BLAS=${asked} is not one of ${BLAS_CHOICES.join(', ')}`, { hint: unsetHint });
  if (asked === 'openblas') {
    if (!succeeds('pkg-config', ['--exists', 'openblas'])) {
      fail('HANDGRAD_NATIVE_BLAS=openblas but pkg-config finds no OpenBLAS', { hint: `apt-get install pkg-config libopenblas-dev, or ${unsetHint}` });
    }
    return 'openblas';
  }
  if (asked === 'accelerate') {
    if (process.platform !== 'darwin') fail('HANDGRAD_NATIVE_BLAS=accelerate needs macOS', { hint: unsetHint });
    return 'accelerate';
  }
  if (asked === 'auto' && succeeds('pkg-config', ['--exists', 'openblas'])) return 'openblas';
  return 'own';
}

/** npm's bundled node-gyp, else one installed beside us. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package
  }
  return candidates.find((file) => file.endsWith('.js') && existsSync(file)) ?? null;
}

/** The Node headers of the running node (a distro install keeps them under <prefix>/include/node). */
function findNodeDir() {
  if (process.env.npm_config_nodedir && existsSync(path.join(process.env.npm_config_nodedir, 'include', 'node', 'node_api.h'))) {
    return process.env.npm_config_nodedir;
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

/** Prints the one line; after a failed compile also removes the half-built output. */
function fail(reason, { removeBuild = false, hint = INSTALL_HINT } = {}) {
  if (removeBuild) rmSync(buildDir, { recursive: true, force: true });
  console.log(`handgrad: native backend not built: ${reason}. To build it: ${hint}.`);
  process.exit(process.env.HANDGRAD_REQUIRE_NATIVE === '1' ? 1 : 0);
}

function build() {
  if (process.env.HANDGRAD_SKIP_NATIVE === '1') {
    console.log('handgrad: native backend build skipped (HANDGRAD_SKIP_NATIVE=1).');
    if (process.env.HANDGRAD_REQUIRE_NATIVE === '1') process.exit(1);
    return;
  }
  const missing = missingTools();
  if (missing) fail(`missing ${missing}`);
  const gemm = chooseGemm();
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) fail('node-gyp not found (it ships with npm)');
  const args = [nodeGyp, 'rebuild', '--jobs=max', `--directory=${nativeDir}`];
  const nodeDir = findNodeDir();
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);
  const started = Date.now();
  const env = { ...process.env, GYP_DEFINES: `${process.env.GYP_DEFINES ?? ''} handgrad_gemm=${gemm}`.trim() };
  const result = spawnSync(process.execPath, args, { cwd: nativeDir, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  writeFileSync(logPath, `${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.status !== 0 || !existsSync(addonPath)) {
    const firstError = `${result.stderr ?? ''}`.split('\n').find((line) => /error/i.test(line)) ?? `node-gyp exited with ${result.status}`;
    fail(`the compile failed (${firstError.trim()}; full log in native/build.log)`, { removeBuild: true });
  }
  // Load it once in a fresh process so a link problem (e.g. libopenblas missing at run time) shows here.
  const load = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(addonPath)}).gemmImplementation()`], { encoding: 'utf8' });
  if (load.status !== 0) fail(`the addon does not load (${(load.stderr.split('\n').find((l) => l.includes('Error')) ?? '').trim()})`, { removeBuild: true });
  const built = path.relative(process.cwd(), addonPath) || addonPath;
  console.log(`handgrad: built the native backend in ${((Date.now() - started) / 1000).toFixed(0)} s (${built}; matrix products: ${load.stdout.trim()}).`);
}

build();

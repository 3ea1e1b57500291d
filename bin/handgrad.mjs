#!/usr/bin/env node
// npx handgrad <command> [flags]: runs the command's compiled module (dist/, built by `npm run build`)
// in this process, so signals such as Ctrl-C reach the command itself. In a development checkout
// whose dist/ is missing or older than the TypeScript sources, tsx is registered in-process and the
// sources run instead. Each command module exports `run(argv): Promise<exit status>`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** command → what it does, and its module compiled and as source (literal imports, so tools see the edges). */
const COMMANDS = {
  train: {
    about: 'train the MLP with hand-written backprop (or autodiff) on a data set',
    entry: 'src/cli/train',
    compiled: () => import('../dist/src/cli/train.js'),
    source: () => import('../src/cli/train.ts'),
  },
  compare: {
    about: 'hand-written gradients vs tf.grad vs float64 finite differences, every kernel and the MLP',
    entry: 'src/cli/compare',
    compiled: () => import('../dist/src/cli/compare.js'),
    source: () => import('../src/cli/compare.ts'),
  },
  gradcheck: {
    about: "check your own op's gradient (module#export), opcheck kernels on every backend, self-test",
    entry: 'src/cli/gradcheck',
    compiled: () => import('../dist/src/cli/gradcheck.js'),
    source: () => import('../src/cli/gradcheck.ts'),
  },
  examples: {
    about: "reproduce hw4's worked examples T1..T4 through the custom ops",
    entry: 'src/cli/examples',
    compiled: () => import('../dist/src/cli/examples.js'),
    source: () => import('../src/cli/examples.ts'),
  },
  setup: {
    about: 'setup tfjs-node: build the tensorflow backend from a TensorFlow wheel (its own download fails)',
    entry: 'src/cli/setup',
    compiled: () => import('../dist/src/cli/setup.js'),
    source: () => import('../src/cli/setup.ts'),
  },
  bench: {
    about: 'benchmark training epochs on every backend against numpy',
    entry: 'bench/bench',
    compiled: () => import('../dist/bench/bench.js'),
    source: () => import('../bench/bench.ts'),
  },
};

/** The folders whose TypeScript is compiled into dist/. */
const SOURCE_DIRS = ['custom-ops', 'gradcheck', 'native', 'src', 'bench'];

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, { about }]) => `  ${name.padEnd(width)}  ${about}`);
  return [
    'usage: npx handgrad <command> [flags]',
    '',
    'commands:',
    ...lines,
    '',
    "`npx handgrad <command> --help` shows a command's flags; --version prints the version.",
  ].join('\n');
}

function fail(message, code = 2) {
  process.stderr.write(`handgrad: ${message}\n`);
  process.exit(code);
}

function mtimeOf(relative) {
  return statSync(new URL(relative, root), { throwIfNoEntry: false })?.mtimeMs;
}

/** Newest modification time of a .ts file under `dir` (native/build and node_modules skipped). */
function newestTs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'build') continue;
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiled when dist/ holds a build at least as new as the sources (an installed package has no sources). */
function useCompiled(spec) {
  const built = mtimeOf(`dist/${spec.entry}.js`);
  if (built === undefined) return false;
  if (mtimeOf(`${spec.entry}.ts`) === undefined) return true;
  const newestSource = Math.max(...SOURCE_DIRS.map((dir) => new URL(`${dir}/`, root)).filter((dir) => existsSync(dir)).map(newestTs));
  return newestSource <= built;
}

async function load(name, spec) {
  if (useCompiled(spec)) return spec.compiled();
  if (mtimeOf(`${spec.entry}.ts`) === undefined) fail(`${name}: dist/${spec.entry}.js is missing from this package (run \`npm run build\` in it)`);
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    fail(`${name}: this checkout has no current build and no tsx to run its sources: run \`npm run build\` or \`npm install\``);
  }
  return spec.source();
}

const [name, ...args] = process.argv.slice(2);

if (name === undefined) fail(`missing command (expected one of: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
if (name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
if (name === '--version' || name === '-v') {
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, name)) fail(`unknown command "${name}" (expected one of: ${Object.keys(COMMANDS).join(', ')}; see --help)`);

let command;
try {
  command = await load(name, COMMANDS[name]);
} catch (error) {
  fail(`${name}: could not load the command (${String(error instanceof Error ? error.message : error).split('\n')[0]})`, 1);
}
process.exit(await command.run(args));

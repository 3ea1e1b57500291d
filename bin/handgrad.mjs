#!/usr/bin/env node
// npx handgrad <command> [flags]: runs the matching TypeScript entry with tsx, forwarding the
// flags, stdio and exit status. Plain ESM JavaScript so that it runs without a build step.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** command → [entry relative to the package root, one-line description]; mirrors package.json scripts. */
const COMMANDS = {
  train: ['src/cli/train.ts', 'train the MLP with hand-written backprop (or autodiff) on a data set'],
  compare: ['src/cli/compare.ts', 'gradcheck: hand-written gradients vs tf.grad vs float64 finite differences'],
  gradcheck: ['src/cli/gradcheck.ts', "check your own op's gradient (module#export), opcheck kernels on every backend, self-test"],
  examples: ['src/cli/examples.ts', "reproduce hw4's worked examples T1..T4 through the custom ops"],
  bench: ['bench/bench.ts', 'benchmark the kernels and training epochs across backends'],
};

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, [, about]]) => `  ${name.padEnd(width)}  ${about}`);
  return [
    'usage: npx handgrad <command> [flags]',
    '',
    'commands:',
    ...lines,
    '',
    "`npx handgrad <command> --help` shows a command's flags; --version prints the version.",
  ].join('\n');
}

function fail(message) {
  process.stderr.write(`handgrad: ${message}\n`);
  process.exit(2);
}

const [command, ...args] = process.argv.slice(2);

if (command === undefined) fail('missing command (expected one of: ' + Object.keys(COMMANDS).join(', ') + '; see --help)');
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
if (command === '--version' || command === '-v') {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command)) {
  fail(`unknown command "${command}" (expected one of: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
}

const entry = fileURLToPath(new URL(COMMANDS[command][0], new URL('../', import.meta.url)));
if (!existsSync(entry)) fail(`${command}: its entry ${COMMANDS[command][0]} is missing from ${packageRoot}`);

let tsxLoader;
try {
  // Resolved from this file, so it works whatever the caller's working directory is.
  tsxLoader = import.meta.resolve('tsx');
} catch {
  fail('cannot find the tsx package (run `npm install` in the handgrad package)');
}

const child = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], { stdio: 'inherit' });

// Pass signals on and wait for the child to exit (Ctrl-C may reach it twice: once from the
// terminal's process group, once from here; node handles that like a single one).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}

child.on('error', (error) => fail(`${command}: could not start node (${error.message})`));
child.on('exit', (code, signal) => {
  if (signal !== null) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});

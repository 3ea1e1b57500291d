/**
 * npm run examples -- [--json] [--backend NAME]
 * Prints hw4's worked examples (T1..T4) with inputs, manual / autodiff results and the
 * homework's expected values. Exit 0: every row matches; 1: a mismatch; 2: bad flags or backend.
 */
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { registerCustomOps } from '../../custom-ops/index.js';
import { type BackendChoice, BackendError, isBrowserBackend, useBackend } from '../backends.js';
import { allRowsMatch, runAllExamples } from '../examples/index.js';
import { renderJson, renderText } from '../examples/render.js';
import { firstLine, parseChoice, UsageError } from './common.js';

export const EXAMPLES_USAGE = `usage: npm run examples -- [--json] [--backend auto|cpu|wasm|tensorflow|native]

Reproduces hw4 T1..T4 through handgrad's custom ops and checks each line against the homework.
  --json           one JSON object {backend, match, tasks: [{task, title, inputs, tolerance, rows}]},
                   each row {task, quantity, expected, manual, autodiff, errors, maxError, tolerance, match}
  --backend NAME   tfjs backend to run on (default cpu)
  -h, --help       this text
exit status: 0 all rows match, 1 a row mismatches, 2 bad flags or a backend that cannot load`;

export { UsageError };

/** Backends that run in Node (webgl and webgpu need a browser's GPU context). */
const NODE_BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow', 'native'] as const satisfies readonly BackendChoice[];

export interface ExamplesOptions {
  json: boolean;
  backend: BackendChoice;
  help: boolean;
}

/** Parses the CLI flags strictly; throws UsageError with a one-line message. */
export function parseExamplesArgs(argv: string[]): ExamplesOptions {
  let values: { json?: boolean; backend?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  if (values.backend !== undefined && isBrowserBackend(values.backend)) {
    throw new UsageError(`--backend ${values.backend}: the examples run in Node, where ${values.backend} has no GPU context; use cpu, wasm, tensorflow or native`);
  }
  const backend = values.backend === undefined ? 'cpu' : parseChoice('backend', values.backend, NODE_BACKENDS);
  return { json: values.json ?? false, backend, help: values.help ?? false };
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  tf.enableProdMode(); // no "install tfjs-node" banner from the cpu backend (the README says how to get tfjs-node)
  let options: ExamplesOptions;
  try {
    options = parseExamplesArgs(argv);
  } catch (error) {
    process.stderr.write(`examples: ${firstLine(error)} (see --help)\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${EXAMPLES_USAGE}\n`);
    return 0;
  }
  let backend: string;
  try {
    backend = await useBackend(options.backend);
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    process.stderr.write(`examples: ${firstLine(error)}\n`);
    return 2;
  }
  registerCustomOps();
  const tasks = runAllExamples();
  process.stdout.write(`${options.json ? renderJson(tasks, backend) : renderText(tasks, backend)}\n`);
  return allRowsMatch(tasks) ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`examples: ${firstLine(error)}\n`);
      process.exitCode = 1;
    },
  );
}

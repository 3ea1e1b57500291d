/**
 * npm run examples -- [--json] [--backend NAME]
 * Prints hw4's worked examples (T1..T4) with inputs, manual / autodiff results and the
 * homework's expected values. Exit 0: every row matches; 1: a mismatch; 2: bad flags or backend.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomOps } from '../../custom-ops/index.js';
import { type BackendChoice, isBrowserBackend, useBackend } from '../backends.js';
import { allRowsMatch, runAllExamples } from '../examples/index.js';
import { renderJson, renderText } from '../examples/render.js';
import { command, isMainModule, parseChoice, parseFlags, runAsMain, UsageError } from './common.js';

export const EXAMPLES_USAGE = `usage: npm run examples -- [--json] [--backend auto|cpu|wasm|tensorflow|native]

Reproduces hw4 T1..T4 through handgrad's custom ops and checks each line against the homework.
  --json           one JSON object {backend, match, tasks: [{task, title, inputs, tolerance, rows}]},
                   each row {task, quantity, expected, manual, autodiff, errors, maxError, tolerance, match}
  --backend NAME   tfjs backend to run on (default cpu)
  -h, --help       this text
exit status: 0 all rows match, 1 a row mismatches, 2 bad flags or a backend that cannot load`;

/** Backends that run in Node (webgl and webgpu need a browser's GPU context). */
const NODE_BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow', 'native'] as const satisfies readonly BackendChoice[];

interface ExamplesOptions {
  json: boolean;
  backend: BackendChoice;
  help: boolean;
}

const OPTIONS = {
  json: { type: 'boolean', default: false },
  backend: { type: 'string', default: 'cpu' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses the CLI flags strictly; throws UsageError with a one-line message. */
export function parseExamplesArgs(argv: readonly string[]): ExamplesOptions {
  const values = parseFlags(argv, OPTIONS);
  if (isBrowserBackend(values.backend)) {
    throw new UsageError(`--backend ${values.backend}: the examples run in Node, where ${values.backend} has no GPU context; use cpu, wasm, tensorflow or native`);
  }
  return { json: values.json, backend: parseChoice('backend', values.backend, NODE_BACKENDS), help: values.help };
}

async function examplesMain(argv: string[]): Promise<number> {
  tf.enableProdMode(); // no "install tfjs-node" banner from the cpu backend (the README says how to get tfjs-node)
  const options = parseExamplesArgs(argv);
  if (options.help) {
    process.stdout.write(`${EXAMPLES_USAGE}\n`);
    return 0;
  }
  const backend = await useBackend(options.backend);
  registerCustomOps();
  const tasks = runAllExamples();
  process.stdout.write(`${options.json ? renderJson(tasks, backend) : renderText(tasks, backend)}\n`);
  return allRowsMatch(tasks) ? 0 : 1;
}

/** `handgrad examples`: the bin's entry and this module's own when run as a script. */
export const run = command('examples', examplesMain);

if (isMainModule(import.meta.url)) void runAsMain(run);

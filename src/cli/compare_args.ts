/** The compare CLI's flags (node:util parseArgs, strict); kept apart from cli.ts so tests can import it. */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from '../backends.js';
import { firstLine, parseChoice, parseInteger, parseLayers, UsageError } from './common.js';
import { type CheckOptions, DEFAULT_CHECK_OPTIONS, validateCheckOptions } from '../compare/checks.js';

/** Bad flags or an unusable backend: exit 2. */
export { UsageError };

export const COMPARE_USAGE = `usage: npm run compare -- [--backend cpu|wasm|tensorflow|native|webgl|webgpu|all] [--layers 784,1000,10]
                          [--batch 64] [--seed 0] [--coordinates 64] [--json]

Checks handgrad's hand-written kernels and MLP backprop against tf.grad and float64 finite differences.
  --backend NAME      backend to check (default cpu); webgl and webgpu run in headless Chromium;
                      all = cpu, wasm, tensorflow, native, webgl, webgpu, skipping any that cannot load
  --layers SIZES      MLP layer sizes, inputs first and classes last (default 784,1000,10)
  --batch N           rows in the batch (default 64)
  --seed N            seed for the inputs, parameters and sampled coordinates (default 0)
  --coordinates N     finite-difference coordinates sampled per tensor (default 64)
  --json              one JSON object {backend, checks: [{name, kind, maxAbsErr, maxRelErr, tol, pass, checked, total}]} per backend
  -h, --help          this text
exit status: 0 every row passes, 1 a row fails, 2 bad flags or a backend that cannot load`;

export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow', 'native', 'webgl', 'webgpu'];

export interface CliOptions {
  backends: BackendName[];
  all: boolean;
  checks: CheckOptions;
  json: boolean;
  help: boolean;
}

const STRING_FLAGS = ['--backend', '--layers', '--batch', '--seed', '--coordinates'];

/**
 * `--batch -1` → `--batch=-1`. parseArgs (strict) refuses a value that starts with '-' as
 * "ambiguous", which would hide the real problem; joined, the value reaches our own check.
 * compare has no short options, so a single-dash word after a flag can only be its value.
 */
function attachNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (STRING_FLAGS.includes(argv[i]) && next !== undefined && /^-(?!-)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

export function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: attachNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        backend: { type: 'string', default: 'cpu' },
        layers: { type: 'string', default: '784,1000,10' },
        batch: { type: 'string', default: '64' },
        seed: { type: 'string', default: '0' },
        coordinates: { type: 'string', default: '64' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    // parseArgs spreads one complaint over several lines ("… is ambiguous.\nDid you forget …").
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n').join(' '));
  }
  if (values.help) return { backends: [], all: false, checks: DEFAULT_CHECK_OPTIONS, json: false, help: true };
  const backend = parseChoice('backend', values.backend, [...BACKEND_NAMES, 'all'] as const);
  const layers = parseLayers(values.layers);
  if (layers[layers.length - 1] < 2) throw new UsageError(`--layers: the last size is the number of classes and must be ≥ 2, got "${values.layers}"`);
  const checks: CheckOptions = {
    layers,
    batch: parseInteger('batch', values.batch, 1),
    seed: parseInteger('seed', values.seed, 0),
    maxCoordinates: parseInteger('coordinates', values.coordinates, 1),
  };
  try {
    validateCheckOptions(checks);
  } catch (error) {
    throw new UsageError(`--${firstLine(error)}`);
  }
  const backends = backend === 'all' ? [...ALL_BACKENDS] : [backend];
  return { backends, all: backend === 'all', checks, json: values.json, help: false };
}

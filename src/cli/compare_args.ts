/** The compare command's flags (the CLI toolkit's parseFlags), kept apart from compare.ts so tests can import them. */
import { BACKEND_NAMES, type BackendName } from '../backends.js';
import { firstLine, parseChoice, parseFlags, parseInteger, parseLayers, UsageError } from './common.js';
import { type CheckOptions, DEFAULT_CHECK_OPTIONS, validateCheckOptions } from '../checks/checks.js';

export const COMPARE_USAGE = `usage: npm run compare -- [--backend cpu|wasm|tensorflow|native|webgl|webgpu|all] [--layers SIZES]
                          [--batch N] [--seed N] [--coordinates N] [--json]

Checks handgrad's hand-written kernels and MLP backprop against tf.grad and float64 finite differences.
  --backend NAME      backend to check (default cpu); webgl and webgpu run in headless Chromium;
                      all = cpu, wasm, tensorflow, native, webgl, webgpu, skipping any that cannot load
  --layers SIZES      MLP layer sizes, inputs first and classes last (default ${DEFAULT_CHECK_OPTIONS.layers.join(',')})
  --batch N           rows in the batch (default ${DEFAULT_CHECK_OPTIONS.batch})
  --seed N            seed for the inputs, parameters and sampled coordinates (default ${DEFAULT_CHECK_OPTIONS.seed})
  --coordinates N     finite-difference coordinates sampled per tensor (default ${DEFAULT_CHECK_OPTIONS.maxCoordinates})
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

const OPTIONS = {
  backend: { type: 'string', default: 'cpu' },
  layers: { type: 'string', default: DEFAULT_CHECK_OPTIONS.layers.join(',') },
  batch: { type: 'string', default: String(DEFAULT_CHECK_OPTIONS.batch) },
  seed: { type: 'string', default: String(DEFAULT_CHECK_OPTIONS.seed) },
  coordinates: { type: 'string', default: String(DEFAULT_CHECK_OPTIONS.maxCoordinates) },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function parseCli(argv: readonly string[]): CliOptions {
  const values = parseFlags(argv, OPTIONS);
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

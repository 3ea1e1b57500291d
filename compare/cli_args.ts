/** The compare CLI's flags (node:util parseArgs, strict); kept apart from cli.ts so tests can import it. */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from '../src/backends.js';
import { type CheckOptions, validateCheckOptions } from './checks.js';

/** Bad flags or an unusable backend: exit 2. */
export class UsageError extends Error {}

export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow', 'native'];

export interface CliOptions {
  backends: BackendName[];
  all: boolean;
  checks: CheckOptions;
  json: boolean;
}

function integerFlag(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${name}: expected a non-negative integer, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        backend: { type: 'string', default: 'cpu' },
        layers: { type: 'string', default: '784,1000,10' },
        batch: { type: 'string', default: '64' },
        seed: { type: 'string', default: '0' },
        coordinates: { type: 'string', default: '64' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]);
  }
  const backend = values.backend;
  const all = backend === 'all';
  if (!all && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend: unknown backend "${backend}" (expected ${[...BACKEND_NAMES, 'all'].join(', ')})`);
  }
  const layerParts = values.layers.split(',');
  const layers = layerParts.map((part) => {
    if (!/^\s*\d+\s*$/.test(part)) throw new UsageError(`--layers: expected comma-separated positive integers like 784,1000,10, got "${values.layers}"`);
    return Number(part);
  });
  if (layers.length < 2 || layers.some((n) => n < 1)) throw new UsageError(`--layers: need at least two positive sizes (inputs, classes), got "${values.layers}"`);
  if (layers[layers.length - 1] < 2) throw new UsageError(`--layers: the last size is the number of classes and must be ≥ 2, got "${values.layers}"`);
  const checks: CheckOptions = {
    layers,
    batch: integerFlag('batch', values.batch, 1),
    seed: integerFlag('seed', values.seed, 0),
    maxCoordinates: integerFlag('coordinates', values.coordinates, 1),
  };
  try {
    validateCheckOptions(checks);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  return { backends: all ? [...ALL_BACKENDS] : [backend as BackendName], all, checks, json: values.json };
}

/**
 * npm run compare -- [--backend cpu|wasm|tensorflow|native|webgl|all] [--layers 784,1000,10]
 *                    [--batch 64] [--seed 0] [--coordinates 64] [--json]
 * Exit 0: every row passed; 1: some row failed; 2: bad flags or an unusable backend.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName, probeBackend, useBackend } from '../src/backends.js';
import { type CheckOptions, type CheckReport, runChecks, validateCheckOptions } from './checks.js';
import { formatJson, formatTable } from './table.js';

class UsageError extends Error {}

const ALL: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow', 'native'];

interface CliOptions {
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
  validateCheckOptions(checks);
  return { backends: all ? [...ALL] : [backend as BackendName], all, checks, json: values.json };
}

interface BrowserRunner {
  runCompareInBrowser: (options: CheckOptions) => Promise<CheckReport | CheckReport[]>;
}

async function runWebgl(checks: CheckOptions): Promise<CheckReport[]> {
  const runnerPath = new URL('../src/browser/run_compare.ts', import.meta.url);
  if (!existsSync(fileURLToPath(runnerPath))) throw new UsageError('--backend webgl: webgl compare needs the browser runner (src/browser/run_compare.ts), which is not in this checkout');
  const specifier = '../src/browser/run_compare.js';
  const runner = (await import(specifier)) as BrowserRunner;
  const result = await runner.runCompareInBrowser(checks);
  return Array.isArray(result) ? result : [result];
}

function emit(report: CheckReport, json: boolean, seconds: number): void {
  console.log(json ? formatJson(report) : `${formatTable(report, seconds)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const options = parseCli(argv);
  let failed = false;
  if (options.backends[0] === 'webgl') {
    const started = performance.now();
    for (const report of await runWebgl(options.checks)) {
      emit(report, options.json, (performance.now() - started) / 1000);
      failed ||= report.checks.some((r) => !r.pass);
    }
    return failed ? 1 : 0;
  }
  let ran = 0;
  for (const name of options.backends) {
    if (options.all) {
      const probe = await probeBackend(name);
      if (!probe.available) {
        (options.json ? console.error : console.log)(`${name}: skipped — ${probe.reason}`);
        continue;
      }
    }
    try {
      await useBackend(name);
    } catch (error) {
      if (options.all) {
        (options.json ? console.error : console.log)(`${name}: skipped — ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      throw new UsageError((error as Error).message.split('\n')[0]);
    }
    const started = performance.now();
    const report = runChecks(options.checks);
    emit(report, options.json, (performance.now() - started) / 1000);
    failed ||= report.checks.some((r) => !r.pass);
    ran++;
  }
  if (ran === 0) throw new UsageError('--backend all: no backend could load');
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    console.error(`compare: ${message}`);
    // Bad flags, bad options and backends that cannot be used are exit 2; anything else is a crash.
    process.exitCode = error instanceof UsageError || /^(layers|batch|seed|maxCoordinates):/.test(message) ? 2 : 1;
  },
);

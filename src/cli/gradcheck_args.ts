/** The gradcheck CLI's flags (node:util parseArgs, strict); apart from gradcheck.ts so tests can import it. */
import { parseArgs } from 'node:util';
import { attachNegativeNumbers, parseChoice, parseInteger, parseNumber, UsageError } from './common.js';

/** Bad flags: one line, exit 2. */
export { UsageError };

export const GRADCHECK_USAGE = `usage:
  npx handgrad gradcheck <module>#<export> [--shape 4,5]… [--range lo,hi]… [--seed 0] [--mode fast|per-coordinate]
                         [--resolution 1e-2] [--coordinates N] [--max-failing 16] [--second-order]
                         [--backend cpu|wasm|native|tensorflow] [--json]
  npx handgrad gradcheck opcheck [KERNEL…] [--backend all|cpu,wasm,native,tensorflow,webgl,webgpu] [--import <module>]
                         [--input name=4,5[:lo,hi]]… [--seed 0] [--json]
  npx handgrad gradcheck selftest [--seeds 20] [--compare-seeds 2] [--function NAME]… [--json]
  npx handgrad gradcheck bench [--sample 32] [--resolution 1e-2] [--json]
  npx handgrad gradcheck audit [--backend cpu,wasm,native,tensorflow,webgl,webgpu] [--op NAME]… [--seed 0] [--json] [--write]

Checks gradients without a float64 twin: fp32 finite differences with a measured error estimate per
quantity, a fast mode (random directions, every coordinate) that names the failing coordinates, kinks
stepped around, second order (--second-order).

  <module>#<export>   a JavaScript/TypeScript module of yours and the name of its export (default: default):
                      a function of tensors returning a tensor (or tensors), whose inputs --shape describes,
                      or a check spec {fn, inputs?: () => Tensor[], shapes?, ranges?, wrt?, name?, inputNames?}
  --shape D,D,…       the shape of the next input (repeat per input, in order; "scalar" for a scalar)
  --range lo,hi       inputs uniform in [lo, hi] instead of standard normal (once for all, or once per input)
  --seed N            seed for the inputs, cotangents and directions (default 0)
  --mode M            fast (default): random directions covering every coordinate, then bisection to the
                      failing ones; per-coordinate: every coordinate on its own
  --resolution R      fast mode: refine until one coordinate off by R·max|g| would fail (default 1e-2)
  --coordinates N     per-coordinate mode: a seeded sample of N coordinates per input
  --max-failing N     stop localising after naming N failing coordinates per input (default 16)
  --second-order      also gradgradcheck: the gradient of the gradient (through tf.grads nested)
  --backend NAME      tfjs backend to run on (default cpu)
  --json              one JSON line per result (the structured result)

  opcheck             forward, registered gradient, saved tensors, input mutation and leaks of each kernel on
                      each backend, against cpu and fp32 differences; KERNEL… defaults to handgrad's five
  --backend LIST      comma-separated backends, or all (default): cpu, wasm, native, tensorflow, and webgl and webgpu
                      in headless Chromium, each skipped with a reason when it cannot load
  --import <module>   a module that registers your kernels and gradients when imported (or exports register())
  --input name=SHAPE  an input of your kernel, standard normal (SHAPE "scalar" for a scalar; ":lo,hi" uniform)

  selftest            the planted-bug suite: false alarms and detection rate, fast and per-coordinate
  --seeds N           fast mode over seeds 0..N−1 (default 20)
  --compare-seeds N   of those, N also per coordinate, verdicts compared (default 2)
  --function NAME     only this planted function (repeatable)

  bench               fast vs per-coordinate mode on a 784×1000 weight (tanh(X·W), X 8×784), with planted bugs
  --sample N          coordinates the per-coordinate timing is measured on (default 32); --resolution: fast
                      mode's (default 1e-2; 1e-3 refines the weight by blocks, at a cost)

  audit               checks tfjs itself: every kernel with a registered gradient, through its public op, first and
                      second order, float64 references, each failure confirmed and reproduced
  --backend LIST      comma-separated backends to audit (default cpu); others are also compared with cpu;
                      webgl and webgpu run in headless Chromium
  --op NAME           only this op or kernel (repeatable: --op tanh --op Conv2D)
  --write             also write the report to docs/tfjs-audit.md

  -h, --help          this text
exit status: 0 every check passes, 1 a check fails, 2 bad flags, a module or backend that cannot load`;

export type Command = 'check' | 'opcheck' | 'selftest' | 'bench' | 'audit';
export const NODE_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];
export const OPCHECK_BACKENDS = [...NODE_BACKENDS, 'webgl', 'webgpu'] as const;
export type OpcheckBackend = (typeof OPCHECK_BACKENDS)[number];

export interface InputSpec {
  name: string;
  shape: number[];
  range?: [number, number];
}

export interface GradcheckCli {
  command: Command;
  help: boolean;
  json: boolean;
  seed: number;
  /** check: the module path and export name. */
  module?: { path: string; exportName: string };
  shapes: number[][];
  ranges: [number, number][];
  mode: 'fast' | 'per-coordinate';
  resolution?: number;
  coordinates?: number;
  maxFailing?: number;
  secondOrder: boolean;
  /** check: one backend; opcheck: the list (all expanded). */
  backends: OpcheckBackend[];
  /** opcheck: `all` was asked for, so backends that cannot load are skipped, not errors. */
  allBackends: boolean;
  kernels: string[];
  importPath?: string;
  inputs: InputSpec[];
  seeds: number;
  compareSeeds: number;
  functions: string[];
  sample: number;
  /** audit: ops or kernels to run (all when empty), and whether to write docs/tfjs-audit.md. */
  ops: string[];
  write: boolean;
}

const STRING_FLAGS = ['--shape', '--range', '--seed', '--mode', '--resolution', '--coordinates', '--max-failing', '--backend', '--import', '--input', '--seeds', '--compare-seeds', '--function', '--sample', '--op'];

/** "4,5" → [4, 5]; "scalar" or "" → []. */
export function parseShape(flag: string, value: string): number[] {
  const text = value.trim();
  if (text === 'scalar' || text === '') return [];
  return text.split(',').map((part) => {
    const p = part.trim();
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new UsageError(`--${flag}: "${p}" in "${value}" is not a positive integer`);
    return Number(p);
  });
}

export function parseRange(flag: string, value: string): [number, number] {
  const parts = value.split(',');
  if (parts.length !== 2) throw new UsageError(`--${flag}: "${value}" must be lo,hi`);
  const lo = parseNumber(flag, parts[0], {});
  const hi = parseNumber(flag, parts[1], {});
  if (!(hi > lo)) throw new UsageError(`--${flag}: "${value}" needs lo < hi`);
  return [lo, hi];
}

/** "x=4,5", "dy=scalar", "x=4,5:-1,1". */
export function parseInputSpec(value: string): InputSpec {
  const match = /^([A-Za-z_][\w]*)=([^:]*)(?::(.*))?$/.exec(value);
  if (match === null) throw new UsageError(`--input: "${value}" must be name=SHAPE (e.g. x=4,5, dy=scalar, x=4,5:-1,1)`);
  return { name: match[1], shape: parseShape('input', match[2]), ...(match[3] === undefined ? {} : { range: parseRange('input', match[3]) }) };
}

/** "./my_op.mjs#myOp" → path and export ("default" when no #). */
export function parseModuleSpec(value: string): { path: string; exportName: string } {
  const hash = value.lastIndexOf('#');
  const path = hash < 0 ? value : value.slice(0, hash);
  const exportName = hash < 0 ? 'default' : value.slice(hash + 1);
  if (path === '') throw new UsageError(`"${value}": the module path is empty`);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) throw new UsageError(`"${value}": "${exportName}" is not an export name`);
  return { path, exportName };
}

export function parseGradcheckArgs(argv: string[]): GradcheckCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachNegativeNumbers(argv, STRING_FLAGS),
      strict: true,
      allowPositionals: true,
      options: {
        shape: { type: 'string', multiple: true },
        range: { type: 'string', multiple: true },
        seed: { type: 'string' },
        mode: { type: 'string' },
        resolution: { type: 'string' },
        coordinates: { type: 'string' },
        'max-failing': { type: 'string' },
        'second-order': { type: 'boolean' },
        backend: { type: 'string' },
        import: { type: 'string' },
        input: { type: 'string', multiple: true },
        seeds: { type: 'string' },
        'compare-seeds': { type: 'string' },
        function: { type: 'string', multiple: true },
        sample: { type: 'string' },
        op: { type: 'string', multiple: true },
        write: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n').join(' '));
  }
  const { values, positionals } = parsed;
  const base: GradcheckCli = {
    command: 'check',
    help: values.help ?? false,
    json: values.json ?? false,
    seed: 0,
    shapes: [],
    ranges: [],
    mode: 'fast',
    secondOrder: values['second-order'] ?? false,
    backends: ['cpu'],
    allBackends: false,
    kernels: [],
    inputs: [],
    seeds: 20,
    compareSeeds: 2,
    functions: values.function ?? [],
    sample: 32,
    ops: values.op ?? [],
    write: values.write ?? false,
  };
  if (base.help) return base;
  const first = positionals[0];
  if (first === undefined) throw new UsageError('missing what to check: a <module>#<export>, or opcheck, selftest, bench or audit');
  const command: Command = first === 'opcheck' || first === 'selftest' || first === 'bench' || first === 'audit' ? first : 'check';
  const rest = command === 'check' ? positionals : positionals.slice(1);
  // Flags that belong to another command are refused rather than ignored.
  const allowed: Record<Command, string[]> = {
    check: ['shape', 'range', 'seed', 'mode', 'resolution', 'coordinates', 'max-failing', 'second-order', 'backend', 'json', 'help'],
    opcheck: ['backend', 'import', 'input', 'seed', 'json', 'help'],
    selftest: ['seeds', 'compare-seeds', 'function', 'json', 'help'],
    bench: ['sample', 'resolution', 'seed', 'json', 'help'],
    audit: ['backend', 'op', 'seed', 'json', 'write', 'help'],
  };
  for (const key of Object.keys(values)) {
    if (!allowed[command].includes(key)) throw new UsageError(`--${key} does not apply to ${command === 'check' ? 'a module check' : command}`);
  }
  const out: GradcheckCli = { ...base, command, seed: values.seed === undefined ? 0 : parseInteger('seed', values.seed, 0) };
  if (command === 'check') {
    if (rest.length !== 1) throw new UsageError(`expected one <module>#<export>, got ${rest.length}: ${rest.join(' ')}`);
    out.module = parseModuleSpec(rest[0]);
    out.shapes = (values.shape ?? []).map((s) => parseShape('shape', s));
    out.ranges = (values.range ?? []).map((r) => parseRange('range', r));
    if (out.ranges.length > 1 && out.shapes.length > 0 && out.ranges.length !== out.shapes.length) {
      throw new UsageError(`--range: give one for all inputs or one per --shape (${out.shapes.length}), got ${out.ranges.length}`);
    }
    out.mode = values.mode === undefined ? 'fast' : parseChoice('mode', values.mode, ['fast', 'per-coordinate'] as const);
    if (values.resolution !== undefined) out.resolution = parseNumber('resolution', values.resolution, { minExclusive: 0 });
    if (values.coordinates !== undefined) out.coordinates = parseInteger('coordinates', values.coordinates, 1);
    if (values['max-failing'] !== undefined) out.maxFailing = parseInteger('max-failing', values['max-failing'], 1);
    if (out.coordinates !== undefined && out.mode !== 'per-coordinate') throw new UsageError('--coordinates applies to --mode per-coordinate');
    out.backends = [values.backend === undefined ? 'cpu' : parseChoice('backend', values.backend, NODE_BACKENDS)];
  } else if (command === 'opcheck') {
    out.kernels = rest;
    const list = values.backend === undefined || values.backend === 'all' ? 'all' : values.backend;
    out.allBackends = list === 'all';
    out.backends = list === 'all' ? [...OPCHECK_BACKENDS] : [...new Set(list.split(',').map((b) => parseChoice('backend', b.trim(), OPCHECK_BACKENDS)))];
    out.importPath = values.import;
    out.inputs = (values.input ?? []).map(parseInputSpec);
    if (out.inputs.length > 0 && out.kernels.length !== 1) throw new UsageError('--input describes the inputs of one kernel: name exactly one KERNEL');
    const names = out.inputs.map((i) => i.name);
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated !== undefined) throw new UsageError(`--input: "${repeated}" is given twice`);
  } else if (command === 'selftest') {
    if (rest.length > 0) throw new UsageError(`selftest takes no arguments, got: ${rest.join(' ')}`);
    if (values.seeds !== undefined) out.seeds = parseInteger('seeds', values.seeds, 1);
    if (values['compare-seeds'] !== undefined) out.compareSeeds = parseInteger('compare-seeds', values['compare-seeds'], 0);
  } else if (command === 'audit') {
    if (rest.length > 0) throw new UsageError(`audit takes no arguments, got: ${rest.join(' ')} (name ops with --op)`);
    out.backends = values.backend === undefined ? ['cpu'] : [...new Set(values.backend.split(',').map((b) => parseChoice('backend', b.trim(), OPCHECK_BACKENDS)))];
  } else {
    if (rest.length > 0) throw new UsageError(`bench takes no arguments, got: ${rest.join(' ')}`);
    if (values.sample !== undefined) out.sample = parseInteger('sample', values.sample, 1);
    if (values.resolution !== undefined) out.resolution = parseNumber('resolution', values.resolution, { minExclusive: 0 });
  }
  return out;
}

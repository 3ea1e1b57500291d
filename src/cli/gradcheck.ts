/**
 * npx handgrad gradcheck … (npm run gradcheck -- …): checks the gradient of an export of the
 * user's own module, opchecks registered kernels on every backend that loads, runs the checker's
 * planted-bug self-test, or its fast-vs-per-coordinate bench, or audits tfjs's own gradients. Flags: gradcheck_args.ts.
 * Exit 0: every check passes; 1: a check fails; 2: bad flags, a module or backend that cannot load.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { registerCustomOps, CUSTOM_KERNEL_NAMES } from '../../custom-ops/index.js';
import {
  auditJson,
  auditMarkdown,
  auditTfjs,
  customKernelCases,
  formatAudit,
  formatGradcheck,
  formatOpcheck,
  formatSelftest,
  formatWeightBench,
  gradcheck,
  gradcheckJson,
  gradgradcheck,
  opcheckCases,
  opcheckJson,
  runSelftest,
  runWeightBench,
  type GradcheckOptions,
  type GradcheckResult,
  type KernelCase,
  type KernelInput,
  type OpcheckResult,
  type TensorFunction,
} from '../../gradcheck/index.js';
import { makeRng, normals } from '../../gradcheck/random.js';
import { BackendError, probeBackend, useBackend } from '../backends.js';
import { atomicWriteFile } from '../train/atomic.js';
import { command, EXIT_FAILURE, EXIT_OK, firstLine, isMainModule, runAsMain, UsageError } from './common.js';
import { GRADCHECK_USAGE, parseGradcheckArgs, type GradcheckCli, type InputSpec } from './gradcheck_args.js';

/** What a module may export instead of a bare function. */
interface CheckSpec {
  fn: TensorFunction;
  inputs?: () => tf.Tensor[] | Promise<tf.Tensor[]>;
  shapes?: number[][];
  ranges?: [number, number][];
  wrt?: number[];
  name?: string;
  inputNames?: string[];
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

/** Seeded values: standard normal, or uniform in `range`. */
function seededValues(size: number, seed: number, stream: string, range?: [number, number]): Float32Array {
  const rng = makeRng(seed, `cli-${stream}`);
  if (range === undefined) return normals(size, rng);
  return Float32Array.from({ length: size }, () => range[0] + (range[1] - range[0]) * rng());
}

function isCheckSpec(value: unknown): value is CheckSpec {
  return typeof value === 'object' && value !== null && typeof (value as { fn?: unknown }).fn === 'function';
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new UsageError(`${path}: no such file`);
  try {
    // The user's own module, named on the command line: the one import whose path is data, not an edge of ours.
    // eslint-disable-next-line no-restricted-syntax
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path}: cannot be imported (${firstLine(error)})`);
  }
}

/** The function to check and its inputs, from the module's export and the flags. */
async function loadCheck(options: GradcheckCli): Promise<{ spec: CheckSpec; inputs: tf.Tensor[] }> {
  const { path, exportName } = options.module!;
  const mod = await importModule(path);
  if (!(exportName in mod)) {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function' || isCheckSpec(mod[k]));
    throw new UsageError(`${path}: no export named "${exportName}"${names.length > 0 ? ` (it exports ${names.join(', ')})` : ''}`);
  }
  const exported = mod[exportName];
  const spec: CheckSpec = typeof exported === 'function' ? { fn: exported as TensorFunction } : isCheckSpec(exported) ? exported : (undefined as never);
  if (spec === undefined) throw new UsageError(`${path}#${exportName}: is neither a function of tensors nor a check spec {fn, inputs?, shapes?}`);
  spec.name ??= exportName;
  if (spec.inputs !== undefined) {
    if (options.shapes.length > 0) throw new UsageError(`${path}#${exportName} makes its own inputs: --shape does not apply`);
    const inputs = await spec.inputs();
    if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof tf.Tensor)) throw new UsageError(`${path}#${exportName}: inputs() must return an array of tensors`);
    return { spec, inputs };
  }
  const shapes = options.shapes.length > 0 ? options.shapes : spec.shapes;
  if (shapes === undefined || shapes.length === 0) {
    throw new UsageError(`${path}#${exportName}: give a --shape for each of its inputs, in order (e.g. --shape 4,5 --shape 5,3)`);
  }
  const ranges = options.ranges.length > 0 ? options.ranges : spec.ranges ?? [];
  if (ranges.length > 1 && ranges.length !== shapes.length) throw new UsageError(`${path}#${exportName}: ${ranges.length} ranges for ${shapes.length} inputs`);
  const inputs = shapes.map((shape, i) => tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), options.seed, `input-${i}`, ranges.length === 1 ? ranges[0] : ranges[i]), shape, 'float32'));
  return { spec, inputs };
}

async function runCheck(options: GradcheckCli): Promise<number> {
  try {
    await useBackend(options.backends[0]);
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  registerCustomOps();
  const { spec, inputs } = await loadCheck(options);
  const common: GradcheckOptions = {
    name: spec.name,
    inputNames: spec.inputNames,
    wrt: spec.wrt,
    seed: options.seed,
    mode: options.mode,
    resolution: options.resolution,
    maxCoordinates: options.coordinates,
    maxFailing: options.maxFailing,
  };
  const results: { result: GradcheckResult; seconds: number }[] = [];
  try {
    const timed = (run: () => GradcheckResult): void => {
      const started = performance.now();
      const result = run();
      results.push({ result, seconds: (performance.now() - started) / 1000 });
    };
    try {
      timed(() => gradcheck(spec.fn, inputs, common));
      if (options.secondOrder) {
        const { maxCoordinates, ...second } = common;
        timed(() => gradgradcheck(spec.fn, inputs, { ...second, ...(maxCoordinates === undefined ? {} : { maxCoordinates }) }));
      }
    } catch (error) {
      // fn itself threw (a shape it does not accept, say): the user's problem, one line.
      throw new UsageError(`${options.module!.path}#${options.module!.exportName}: ${firstLine(error)}`);
    }
  } finally {
    tf.dispose(inputs);
  }
  for (const { result, seconds } of results) out(options.json ? gradcheckJson(result) : `${formatGradcheck(result, seconds)}\n`);
  return results.every(({ result }) => result.pass) ? EXIT_OK : EXIT_FAILURE;
}

/** The backends that run in headless Chromium rather than in this process. */
const isBrowserBackend = (name: string): name is 'webgl' | 'webgpu' => name === 'webgl' || name === 'webgpu';

/** Inputs for opcheck: --input flags for one user kernel, else handgrad's own cases. */
function kernelCasesFor(options: GradcheckCli): KernelCase[] {
  if (options.inputs.length > 0) {
    const inputs: Record<string, KernelInput> = {};
    options.inputs.forEach((spec: InputSpec, i) => {
      inputs[spec.name] = { values: seededValues(spec.shape.reduce((a, b) => a * b, 1), options.seed, `kernel-input-${i}`, spec.range), shape: spec.shape, dtype: 'float32' };
    });
    return [{ kernel: options.kernels[0], inputs }];
  }
  const ours = customKernelCases(options.seed);
  const wanted = options.kernels.length === 0 ? ours.map((c) => c.kernel) : options.kernels;
  const unknown = wanted.filter((k) => !ours.some((c) => c.kernel === k));
  if (unknown.length > 0) throw new UsageError(`opcheck: no inputs known for ${unknown.join(', ')}: describe them with --input name=SHAPE (handgrad's kernels: ${CUSTOM_KERNEL_NAMES.join(', ')})`);
  return ours.filter((c) => wanted.includes(c.kernel));
}

async function runOpcheck(options: GradcheckCli): Promise<number> {
  registerCustomOps();
  const nodeBackends: string[] = [];
  const skipped = (name: string, reason: string): void => (options.json ? err : out)(`${name}: skipped — ${reason}`);
  for (const name of options.backends.filter((b) => !isBrowserBackend(b))) {
    const probe = await probeBackend(name);
    if (probe.available) nodeBackends.push(name);
    else if (options.allBackends) skipped(name, probe.reason);
    else throw new BackendError(`--backend ${name}: ${probe.reason}`);
  }
  // After the backends load (loading one registers handgrad's kernels on it), so the module's registrations stand.
  if (options.importPath !== undefined) {
    const mod = await importModule(options.importPath);
    if (typeof mod.register === 'function') await (mod.register as () => unknown)();
  }
  const cases = kernelCasesFor(options);
  const results: OpcheckResult[] = [];
  if (nodeBackends.length > 0) {
    await useBackend('cpu');
    results.push(...(await opcheckCases(cases, { backends: nodeBackends, seed: options.seed })));
  }
  const browserBackends = options.backends.filter(isBrowserBackend);
  if (browserBackends.length > 0) {
    if (options.importPath !== undefined || options.inputs.length > 0) {
      const reason = "the page bundles handgrad's kernels only, not an --import module";
      if (!options.allBackends) throw new UsageError(`--backend ${browserBackends.join(',')}: ${reason}`);
      browserBackends.forEach((b) => skipped(b, reason));
    } else {
      const { runOpcheckInBrowser } = await import('../browser/run_opcheck.js');
      const inPage = await runOpcheckInBrowser(browserBackends, cases.map((c) => c.kernel), options.seed, { skipUnavailable: options.allBackends, log: err });
      for (const entry of inPage) {
        if (entry.kind === 'skipped') {
          skipped(entry.backend, entry.reason);
          continue;
        }
        for (const r of entry.results) {
          const node = results.find((n) => n.kernel === r.kernel);
          if (node === undefined) results.push(r);
          else {
            node.backends.push(...r.backends);
            node.pass &&= r.pass;
          }
        }
      }
    }
  }
  if (results.length === 0) throw new BackendError('no backend could load');
  for (const r of results) {
    if (options.json) opcheckJson(r).forEach(out);
    else out(`${formatOpcheck(r)}\n`);
  }
  const failed = results.flatMap((r) => r.backends.filter((b) => !b.pass).map((b) => `${r.kernel} on ${b.backend}`));
  if (!options.json) out(failed.length === 0 ? `opcheck: ${results.length} kernel(s) pass on ${[...new Set(results.flatMap((r) => r.backends.map((b) => b.backend)))].join(', ')}` : `opcheck FAILED: ${failed.join(', ')}`);
  return failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

async function runSelftestCommand(options: GradcheckCli): Promise<number> {
  await useBackend('cpu');
  const progress = process.stderr.isTTY && !options.json ? (done: number, total: number): void => void process.stderr.write(`\rself-test: ${done}/${total} function·seed runs`) : undefined;
  let report;
  try {
    report = runSelftest({ seeds: options.seeds, compareSeeds: options.compareSeeds, functions: options.functions.length > 0 ? options.functions : undefined, onProgress: progress });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('selftest:')) throw new UsageError(error.message);
    throw error;
  }
  if (progress) process.stderr.write('\n');
  out(options.json ? JSON.stringify(report) : formatSelftest(report));
  const fast = report.modes[0];
  const ok = report.modes.every((m) => m.falseAlarms.length === 0) && fast.planted.caught >= 0.95 * fast.planted.planted && report.agreement.same === report.agreement.compared;
  return ok ? EXIT_OK : EXIT_FAILURE;
}

async function runBench(options: GradcheckCli): Promise<number> {
  await useBackend('cpu');
  const report = runWeightBench({ sample: options.sample, resolution: options.resolution, seed: options.seed, onStep: options.json ? undefined : (label) => err(`bench: ${label}…`) });
  out(options.json ? JSON.stringify(report) : formatWeightBench(report));
  return EXIT_OK;
}

/** Where `audit --write` puts the report, relative to the working folder. */
const AUDIT_REPORT = 'docs/tfjs-audit.md';

async function runAudit(options: GradcheckCli): Promise<number> {
  const browserBackends = options.backends.filter(isBrowserBackend);
  for (const name of options.backends.filter((b) => !isBrowserBackend(b))) {
    const probe = await probeBackend(name);
    if (!probe.available) throw new BackendError(`--backend ${name}: ${probe.reason}`);
  }
  await useBackend('cpu');
  const progress = process.stderr.isTTY ? (label: string, backend: string, done: number, total: number): void => void process.stderr.write(`\r\x1b[Kaudit ${done + 1}/${total}: ${label} on ${backend}`) : undefined;
  const { openBrowserAudit } = browserBackends.length > 0 ? await import('../browser/run_audit.js') : { openBrowserAudit: undefined };
  const browser = await openBrowserAudit?.(browserBackends, err);
  let result;
  try {
    result = await auditTfjs({ backends: options.backends, ops: options.ops.length > 0 ? options.ops : undefined, seed: options.seed, onCase: progress, runners: browser?.runners });
  } catch (error) {
    if (firstLine(error).startsWith('audit:')) throw new UsageError(firstLine(error));
    throw error;
  } finally {
    await browser?.close();
  }
  if (progress) process.stderr.write('\r\x1b[K');
  out(options.json ? auditJson(result) : formatAudit(result));
  if (options.write) {
    const command = ['npx handgrad gradcheck audit', `--backend ${options.backends.join(',')}`, ...options.ops.map((o) => `--op ${o}`), ...(options.seed === 0 ? [] : [`--seed ${options.seed}`]), '--write'].join(' ');
    mkdirSync(dirname(resolve(AUDIT_REPORT)), { recursive: true });
    atomicWriteFile(resolve(AUDIT_REPORT), auditMarkdown(result, command));
    (options.json ? err : out)(`wrote ${AUDIT_REPORT}`);
  }
  return result.rows.every((r) => r.status === 'pass') ? EXIT_OK : EXIT_FAILURE;
}

export async function main(argv: string[]): Promise<number> {
  tf.enableProdMode(); // no "install tfjs-node" banner from the cpu backend
  const options = parseGradcheckArgs(argv);
  if (options.help) {
    out(GRADCHECK_USAGE);
    return EXIT_OK;
  }
  switch (options.command) {
    case 'check':
      return runCheck(options);
    case 'opcheck':
      return runOpcheck(options);
    case 'selftest':
      return runSelftestCommand(options);
    case 'bench':
      return runBench(options);
    case 'audit':
      return runAudit(options);
  }
}

/** `handgrad gradcheck`: the bin's entry and this module's own when run as a script. */
export const run = command('gradcheck', main);

if (isMainModule(import.meta.url)) void runAsMain(run);

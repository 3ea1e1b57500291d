/**
 * The CLI toolkit every handgrad command uses (train, compare, examples, bench, gradcheck, setup): strict
 * flag parsing (node:util parseArgs) into typed values, one-line errors, exit codes, and the entry
 * that both the `handgrad` bin and a module's own `if main` guard call.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BackendError } from '../backends.js';
import { DataError } from '../data/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A command's entry: runs it on its flags, prints any error as one line, returns the exit status. */
export type CommandRun = (argv: readonly string[]) => Promise<number>;

/** Bad flags or input: reported as one line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type StrictFlags<O extends FlagOptions> = { args: string[]; options: O; strict: true; allowPositionals: false };
/** The typed values parseArgs returns for `options`. */
export type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<StrictFlags<O>>>['values'];

/**
 * `--epochs -3` → `--epochs=-3` for the given string flags: parseArgs (strict) calls a value that
 * starts with '-' "ambiguous", which hides the real problem; joined, the value reaches our own check.
 * Only negative numbers are joined, so a forgotten value before a real flag is still reported.
 */
export function attachNegativeNumbers(argv: readonly string[], stringFlags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (stringFlags.includes(argv[i]) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/** parseArgs's complaint as one line: the flag first, and where to look. */
function flagSyntaxLine(error: Error): string {
  // `--hidden --out x`: parseArgs calls the value "ambiguous"; the problem is that it is missing.
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(error.message);
  if (ambiguous !== null) return `${ambiguous[1]}: missing value (the next argument is another flag; see --help)`;
  const text = error.message.split('\n').join(' ').replace(/\s*To specify a positional.*$/, '');
  return `${text} (see --help)`;
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/**
 * Parses `argv` strictly (no positionals, unknown flags refused) with parseArgs; negative numbers
 * may follow a flag without `=`. Throws UsageError with one line on bad syntax.
 */
export function parseFlags<const O extends FlagOptions>(argv: readonly string[], options: O): FlagValues<O> {
  const stringFlags = Object.entries(options)
    .filter(([, option]) => option.type === 'string')
    .map(([name]) => `--${name}`);
  try {
    const config: StrictFlags<O> = { args: attachNegativeNumbers(argv, stringFlags), options, strict: true, allowPositionals: false };
    return parseArgs(config).values;
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(flagSyntaxLine(error));
    throw error;
  }
}

/** Something a command needs from the machine is missing or unusable (a tool, a file, a library): one line, exit 2. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/** Maps an error to its exit code and the one line to print. */
export function describeError(error: unknown): { code: number; line: string } {
  if (error instanceof UsageError || error instanceof SetupError || error instanceof DataError || error instanceof BackendError) {
    return { code: EXIT_USAGE, line: firstLine(error) };
  }
  return { code: EXIT_FAILURE, line: firstLine(error) };
}

/**
 * Wraps a command's main (which may throw) into its entry: the error becomes `<tool>: <one line>`
 * on stderr and its exit code (2 for bad flags and input, 1 otherwise; HANDGRAD_DEBUG=1 adds the
 * stack of an unexpected one).
 */
export function command(tool: string, main: (argv: string[]) => Promise<number>): CommandRun {
  return async (argv) => {
    try {
      return await main([...argv]);
    } catch (error) {
      const described = describeError(error);
      process.stderr.write(`${tool}: ${described.line}\n`);
      if (described.code === EXIT_FAILURE && process.env.HANDGRAD_DEBUG) console.error(error);
      return described.code;
    }
  };
}

/** True when the module at `moduleUrl` is the script node was started with (`tsx src/cli/train.ts`). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** Runs a command on this process's flags and exits with its status. */
export async function runAsMain(run: CommandRun): Promise<never> {
  process.exit(await run(process.argv.slice(2)));
}

export function parseInteger(flag: string, value: string, min: number): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`--${flag}: "${value}" is not an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag}: ${value} must be an integer ≥ ${min}`);
  return n;
}

export function parseNumber(flag: string, value: string, check: { min?: number; minExclusive?: number; maxExclusive?: number }): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag}: "${value}" is not a number`);
  if (check.min !== undefined && n < check.min) throw new UsageError(`--${flag}: ${value} must be ≥ ${check.min}`);
  if (check.minExclusive !== undefined && n <= check.minExclusive) throw new UsageError(`--${flag}: ${value} must be > ${check.minExclusive}`);
  if (check.maxExclusive !== undefined && n >= check.maxExclusive) throw new UsageError(`--${flag}: ${value} must be < ${check.maxExclusive}`);
  return n;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: unknown value "${value}" (expected ${choices.join(', ')})`);
}

/** `--backends native,wasm`: a comma-separated list, each item one of `choices`, no repeats. */
export function parseChoiceList<T extends string>(flag: string, value: string, choices: readonly T[]): T[] {
  const out: T[] = [];
  for (const item of value.split(',').map((s) => s.trim())) {
    const choice = parseChoice(flag, item, choices);
    if (!out.includes(choice)) out.push(choice);
  }
  return out;
}

/** `--layers 784,1000,10`: at least two positive integers. */
export function parseLayers(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length < 2) throw new UsageError(`--layers: "${value}" needs at least an input and an output size, e.g. 784,1000,10`);
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new UsageError(`--layers: "${p}" in "${value}" is not a positive integer`);
    return Number(p);
  });
}

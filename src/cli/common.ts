/** Shared CLI helpers: flag parsing into typed values, one-line errors, exit codes. */
import { BackendError } from '../backends.js';
import { DataError } from '../data/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

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

/** Maps an error to its exit code and the one line to print. */
export function describeError(error: unknown): { code: number; line: string } {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    const message = (error as Error).message;
    // `--hidden --out x`: parseArgs calls the value "ambiguous"; the problem is that it is missing.
    const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message);
    if (ambiguous !== null) return { code: EXIT_USAGE, line: `${ambiguous[1]}: missing value (the next argument is another flag; see --help)` };
    const text = message.split('\n').join(' ').replace(/\s*To specify a positional.*$/, '');
    return { code: EXIT_USAGE, line: `${text} (see --help)` };
  }
  if (error instanceof UsageError || error instanceof DataError || error instanceof BackendError) {
    return { code: EXIT_USAGE, line: firstLine(error) };
  }
  return { code: EXIT_FAILURE, line: firstLine(error) };
}

/** Runs `main`, printing any error as `<tool>: <one line>` on stderr with its exit code. */
export async function runCli(tool: string, main: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    const described = describeError(error);
    process.stderr.write(`${tool}: ${described.line}\n`);
    if (described.code === EXIT_FAILURE && process.env.HANDGRAD_DEBUG) console.error(error);
    code = described.code;
  }
  process.exit(code);
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

/** `--layers 784,1000,10`: at least two positive integers. */
export function parseLayers(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length < 2) throw new UsageError(`--layers: "${value}" needs at least an input and an output size, e.g. 784,1000,10`);
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new UsageError(`--layers: "${p}" in "${value}" is not a positive integer`);
    return Number(p);
  });
}

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

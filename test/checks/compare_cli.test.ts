import { describe, expect, it } from 'vitest';
import { type CliRun, runTsxCli } from '../helpers/tsx_cli.js';
import { UsageError } from '../../src/cli/common.js';
import { parseCli } from '../../src/cli/compare_args.js';

/** Runs the CLI as `npm run compare` does (tsx), without npx's start-up cost. */
function compare(...args: string[]): Promise<CliRun> {
  return runTsxCli('src/cli/compare.ts', args);
}

/** stderr lines of our own (tfjs prints an "install the node backend" banner there too). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('compare:'));
}

/** webgl and webgpu (when Chromium is there) opcheck every kernel in SwiftShader: over a minute on a loaded machine. */
const ALL_BACKENDS_MS = 360_000;

describe.concurrent('compare CLI (spawned)', () => {
  it('--json prints one {backend, checks} object per backend and exits 0 when all pass', async () => {
    const { status, stdout } = await compare('--backend', 'cpu', '--layers', '10,6,3', '--batch', '4', '--json');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{'));
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as { backend: string; checks: { name: string; kind: string; maxAbsErr: number; maxRelErr: number; tol: number; pass: boolean }[] };
    expect(report.backend).toBe('cpu');
    expect(report.checks.length).toBeGreaterThan(20);
    for (const row of report.checks) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['name', 'kind', 'maxAbsErr', 'maxRelErr', 'tol', 'pass']));
      expect(typeof row.maxRelErr).toBe('number');
      expect(row.pass).toBe(true);
    }
  });

  it('--backend all prints a table per backend that loads and one skip line for each that does not', async () => {
    const { status, stdout } = await compare('--backend', 'all', '--layers', '8,5,3', '--batch', '3');
    expect(status).toBe(0);
    expect(stdout).toMatch(/== cpu ==/);
    expect(stdout).toMatch(/== wasm ==/);
    expect(stdout).toMatch(/max abs err\s+max rel err/);
    expect(stdout).toMatch(/cpu: \d+ checks, all pass/);
    expect(stdout).toMatch(/wasm: \d+ checks, all pass/);
    for (const name of ['tensorflow', 'native', 'webgl', 'webgpu']) {
      const skipped = stdout.split('\n').filter((l) => l.startsWith(`${name}: skipped — `)).length;
      expect(skipped + (stdout.includes(`== ${name} ==`) ? 1 : 0)).toBe(1);
    }
  }, ALL_BACKENDS_MS);

  it('--backend all --json: stdout is only JSON lines, one per backend that ran; skips go to stderr', async () => {
    const { status, stdout, stderr } = await compare('--backend', 'all', '--layers', '6,4,3', '--batch', '2', '--json');
    expect(status).toBe(0);
    const reports = stdout.trim().split('\n').map((line) => JSON.parse(line) as { backend: string; checks: { pass: boolean }[] });
    const ran = reports.map((r) => r.backend);
    expect(ran.slice(0, 2)).toEqual(['cpu', 'wasm']);
    for (const r of reports) expect(r.checks.every((c) => c.pass)).toBe(true);
    for (const name of ['tensorflow', 'native', 'webgl', 'webgpu']) {
      const skipped = stderr.split('\n').some((l) => l.startsWith(`${name}: skipped — `));
      expect(Number(skipped) + Number(ran.includes(name)), name).toBe(1);
    }
  }, ALL_BACKENDS_MS);

  it('--help prints the flags and exits 0', async () => {
    const { status, stdout, stderr } = await compare('--help');
    expect(status).toBe(0);
    expect(errorLines(stderr)).toEqual([]);
    for (const flag of ['--backend', '--layers', '--batch', '--seed', '--coordinates', '--json']) expect(stdout).toMatch(new RegExp(`^  ${flag} `, 'm'));
  });

  for (const [flags, pattern] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--batch', '-1'], /^compare: --batch: -1 must be an integer ≥ 1$/],
    [['--layers', '784,x'], /^compare: --layers: "x" in "784,x" is not a positive integer$/],
  ] as const) {
    it(`exits 2 with one line on stderr for ${flags.join(' ')}`, async () => {
      const { status, stdout, stderr } = await compare(...flags);
      expect(status).toBe(2);
      expect(stdout.trim()).toBe('');
      const lines = errorLines(stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    });
  }
});

describe('compare CLI flags (parsed in-process)', () => {
  it('defaults to the homework net on cpu', () => {
    expect(parseCli([])).toEqual({ backends: ['cpu'], all: false, json: false, help: false, checks: { layers: [784, 1000, 10], batch: 64, seed: 0, maxCoordinates: 64 } });
    expect(parseCli(['-h']).help).toBe(true);
    expect(parseCli(['--layers', '5,4,3', '--help']).help).toBe(true);
    expect(parseCli(['--backend', 'all', '--layers', '5,4,3,2', '--json']).backends).toEqual(['cpu', 'wasm', 'tensorflow', 'native', 'webgl', 'webgpu']);
  });

  for (const [flags, pattern] of [
    [['--batch', '-3'], /^--batch: -3 must be an integer ≥ 1$/],
    [['--batch=-3'], /^--batch: -3 must be an integer ≥ 1$/],
    [['--seed', '-1'], /^--seed: -1 must be an integer ≥ 0$/],
    [['--batch', '0'], /^--batch: 0 must be an integer ≥ 1$/],
    [['--seed', '1.5'], /^--seed: "1\.5" is not an integer$/],
    [['--coordinates', 'x'], /^--coordinates: "x" is not an integer$/],
    [['--layers', '784,,10'], /^--layers: "" in "784,,10" is not a positive integer$/],
    [['--layers', 'a,b'], /^--layers: "a" in "a,b" is not a positive integer$/],
    [['--layers', '784'], /^--layers: "784" needs at least an input and an output size/],
    [['--layers', '784,0,10'], /^--layers: "0" in "784,0,10" is not a positive integer$/],
    [['--layers', '784,1'], /^--layers: the last size is the number of classes and must be ≥ 2/],
    [['--backend', 'tpu'], /^--backend: unknown value "tpu" \(expected cpu, wasm, tensorflow, native, webgl, webgpu, all\)$/],
    [['--backend', '-x'], /^--backend: missing value \(the next argument is another flag; see --help\)$/],
    [['--backend', '--json'], /^--backend: missing value \(the next argument is another flag; see --help\)$/],
    [['--json=1'], /Option '--json' does not take an argument/],
    [['--layers'], /argument missing/],
    [['extra'], /Unexpected argument 'extra'/],
  ] as const) {
    it(`rejects ${flags.join(' ')} with a one-line UsageError`, () => {
      let caught: unknown;
      try {
        parseCli([...flags]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toMatch(pattern);
      expect((caught as Error).message).not.toContain('\n');
    });
  }
});

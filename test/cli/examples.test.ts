import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/common.js';
import { parseExamplesArgs, run } from '../../src/cli/examples.js';
import { allRowsMatch, type ExampleTask } from '../../src/examples/index.js';
import { renderJson, renderText } from '../../src/examples/render.js';

const entry = fileURLToPath(new URL('../../src/cli/examples.ts', import.meta.url));

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI's entry in this process (no tsx start-up), capturing what it writes. */
async function runMain(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const status = await run(args);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** stderr's non-blank lines, less tfjs's "install tfjs-node" banner (printed when the cpu backend starts). */
function ownStderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^=+$/.test(l) && !l.startsWith('Hi, looks like you are running TensorFlow.js'));
}

describe('parseExamplesArgs', () => {
  it('defaults to text on cpu and reads --json and --backend', () => {
    expect(parseExamplesArgs([])).toEqual({ json: false, backend: 'cpu', help: false });
    expect(parseExamplesArgs(['--json', '--backend', 'wasm'])).toEqual({ json: true, backend: 'wasm', help: false });
  });

  it.each([[['--bogus']], [['--backend', 'gpu9']], [['extra']], [['--json=yes']], [['--backend']], [['--backend', 'webgl']]])('rejects %j with a one-line UsageError', (args) => {
    expect(() => parseExamplesArgs(args)).toThrow(UsageError);
    try {
      parseExamplesArgs(args);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('npm run examples', () => {
  it('--json prints one object whose rows carry {task, quantity, expected, manual, autodiff, match} and exits 0', () => {
    const { status, stdout } = runCli(['--json']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as { backend: string; match: boolean; tasks: ExampleTask[] };
    expect(report.backend).toBe('cpu');
    expect(report.match).toBe(true);
    expect(report.tasks.map((t) => t.task)).toEqual(['T1', 'T2', 'T3', 'T4']);
    const rows = report.tasks.flatMap((t) => t.rows);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['task', 'quantity', 'expected', 'manual', 'autodiff', 'match']));
      expect(row.match).toBe(true);
    }
    const t1 = Object.fromEntries(report.tasks[0].rows.map((r) => [r.quantity, r.expected]));
    expect(t1).toEqual({ z: 0.62, 'dz/dw0': -0.2, 'dz/dw1': 0.4, 'dz/db0': -0.2, 'dz/db1': 1 });
    expect(report.tasks[2].rows[0].manual).toBe(557057);
  });

  it('runs on the wasm backend with the same result (in-process main)', async () => {
    const { status, stdout } = await runMain(['--json', '--backend', 'wasm']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as { backend: string; match: boolean; tasks: ExampleTask[] };
    expect(report).toMatchObject({ backend: 'wasm', match: true });
    const viaManualRelu = report.tasks[0].rows.map((r) => r.autodiff.ManualRelu as number);
    [0.62, -0.2, 0.4, -0.2, 1].forEach((expected, i) => expect(viaManualRelu[i]).toBeCloseTo(expected, 7));
  });

  it('prints a text table per task with a match per line', () => {
    const { status, stdout } = runCli([]);
    expect(status).toBe(0);
    expect(stdout).toContain('T1  scalar network');
    expect(stdout).toMatch(/dz\/dw1\s+0\.4\s+0\.4\s+0\.4\d*\s+0\.4\d*\s+\S+\s+match/);
    expect(stdout).toMatch(/A shape, homework column-major out×N\s+\(1024, 32\)\s+\(1024, 32\)\s+\(1024, 32\)\s+exact\s+match/);
    expect(stdout).toMatch(/557057\s+557057\s+557057\s+exact\s+match/);
    expect(stdout.trimEnd().endsWith('all 14 rows match')).toBe(true);
  });

  it('exits 2 with one line on ["--bogus"] (spawned)', () => {
    const { status, stdout, stderr } = runCli(['--bogus']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(ownStderrLines(stderr)).toEqual(["examples: Unknown option '--bogus' (see --help)"]);
  });

  it.each([
    [['--backend', 'nope'], 'examples: --backend: unknown value "nope" (expected auto, cpu, wasm, tensorflow, native)'],
    [['--backend', 'webgl'], 'examples: --backend webgl: the examples run in Node, where webgl has no GPU context; use cpu, wasm, tensorflow or native'],
  ])('run() returns 2 with one line on %j', async (args, line) => {
    const { status, stdout, stderr } = await runMain(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${line}\n`);
  });
});

describe('mismatch reporting', () => {
  it('a mismatching row fails the run, is flagged in text and JSON', async () => {
    const { runT3 } = await import('../../src/examples/t3_parameter_count.js');
    const task = runT3();
    expect(allRowsMatch([task])).toBe(true);
    const broken: ExampleTask = { ...task, rows: task.rows.map((r) => ({ ...r, manual: 557056, match: false })) };
    expect(allRowsMatch([broken])).toBe(false);
    expect(renderText([broken], 'cpu')).toContain('MISMATCH');
    expect(renderText([broken], 'cpu')).toContain('1 of 1 rows MISMATCH: T3 parameters');
    expect((JSON.parse(renderJson([broken], 'cpu')) as { match: boolean }).match).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { type CliRun, runTsxCli } from '../helpers/tsx_cli.js';
import { parseGradcheckArgs, UsageError } from '../../src/cli/gradcheck_args.js';
import { UsageError as CommonUsageError } from '../../src/cli/common.js';

/** Runs the CLI as `npm run gradcheck` does (tsx). */
function gradcheckCli(...args: string[]): Promise<CliRun> {
  return runTsxCli('src/cli/gradcheck.ts', args);
}

const FIXTURE = 'test/gradcheck/fixtures/my_op.mjs';

describe.concurrent('gradcheck CLI (spawned)', () => {
  it('checks a module export: a table with the error estimate, exit 0', async () => {
    const { status, stdout } = await gradcheckCli(`${FIXTURE}#softplus`, '--shape', '4,5');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^== softplus ==$/m);
    expect(stdout).toMatch(/max abs err\s+max rel err\s+err est\s+tol/);
    expect(stdout).toMatch(/softplus ∂\/∂x0\s+grad vs fd32 \(fast\).*pass\s+20/);
  });

  it('a 0.1 % slip in one coordinate: exit 1 and the coordinate named, in the table and the JSON', async () => {
    const table = await gradcheckCli(`${FIXTURE}#softplusSlip`, '--shape', '4,5');
    expect(table.status).toBe(1);
    expect(table.stdout).toMatch(/FAIL.*\[1,2\]/);
    const json = await gradcheckCli(`${FIXTURE}#softplusSlip`, '--shape', '4,5', '--json');
    expect(json.status).toBe(1);
    const result = JSON.parse(json.stdout.trim()) as { pass: boolean; inputs: { failingIndices: number[]; failingCoordinates: number[][]; errorEstimate: number; tol: number }[] };
    expect(result.pass).toBe(false);
    expect(result.inputs[0].failingIndices).toEqual([7]);
    expect(result.inputs[0].failingCoordinates).toEqual([[1, 2]]);
  });

  it('a check spec export with --second-order prints both results', async () => {
    const { status, stdout } = await gradcheckCli(`${FIXTURE}#dense`, '--second-order', '--json');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; pass: boolean; inputs: { name: string }[] });
    expect(lines.map((l) => l.name)).toEqual(['dense', 'dense 2nd order']);
    expect(lines[1].inputs.map((i) => i.name)).toEqual(['dense 2nd order ∂/∂x', 'dense 2nd order ∂/∂w', 'dense 2nd order ∂/∂dy']);
  });

  it('opcheck --backend cpu,wasm --json: one line per kernel and backend, all pass', async () => {
    const { status, stdout } = await gradcheckCli('opcheck', 'ManualRelu', 'ManualSoftmax', '--backend', 'cpu,wasm', '--json');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { backend: string; kernel: string; pass: boolean; checks: unknown[] });
    expect(lines.map((l) => `${l.kernel}@${l.backend}`)).toEqual(['ManualRelu@cpu', 'ManualRelu@wasm', 'ManualSoftmax@cpu', 'ManualSoftmax@wasm']);
    expect(lines.every((l) => l.pass && l.checks.length >= 7)).toBe(true);
  });

  it('opcheck fails a kernel missing on a backend it was asked to check: exit 1, one line naming kernel and backend', async () => {
    const { status, stdout } = await gradcheckCli('opcheck', 'ManualHiddenDelta', 'ManualRelu', '--backend', 'cpu,wasm', '--import', 'test/gradcheck/fixtures/without_hidden_delta_on_wasm.mjs');
    expect(status).toBe(1);
    expect(stdout).toMatch(/^ManualHiddenDelta \[wasm\]\s+registered\s.*FAIL.*no kernel ManualHiddenDelta is registered for backend wasm$/m);
    expect(stdout).not.toMatch(/nothing to check/);
    expect(stdout.trim().split('\n').at(-1)).toBe('opcheck FAILED: ManualHiddenDelta on wasm');
  });

  it('selftest on one function and seed prints the detection table and exits 0', async () => {
    const { status, stdout } = await gradcheckCli('selftest', '--seeds', '1', '--compare-seeds', '1', '--function', 'tanh');
    expect(status).toBe(0);
    expect(stdout).toMatch(/false alarms on correct functions: 0 of 1/);
    expect(stdout).toMatch(/planted bugs caught: 10\/10 \(100\.0 %\)/);
    expect(stdout).toMatch(/fast vs per-coordinate verdicts: 11 of 11 the same/);
  });

  for (const [args, pattern] of [
    [[`${FIXTURE}#nope`, '--shape', '3'], /^gradcheck: test\/gradcheck\/fixtures\/my_op\.mjs: no export named "nope" \(it exports .*softplus/],
    [[`${FIXTURE}#notAFunction`, '--shape', '3'], /is neither a function of tensors nor a check spec/],
    [[`${FIXTURE}#softplus`], /give a --shape for each of its inputs/],
    [['missing.mjs#f', '--shape', '3'], /^gradcheck: missing\.mjs: no such file$/],
    [['opcheck', 'NoSuchKernel'], /no inputs known for NoSuchKernel/],
    [['selftest', '--function', 'sine'], /unknown function\(s\) sine/],
  ] as const) {
    it(`exits 2 with one line for ${args.join(' ')}`, async () => {
      const { status, stdout, stderr } = await gradcheckCli(...args);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n').filter((l) => l.startsWith('gradcheck:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    });
  }
});

describe('gradcheck CLI flags (parsed in-process)', () => {
  it('parses the module check, opcheck, selftest and bench forms', () => {
    expect(parseGradcheckArgs(['./op.mjs#f', '--shape', '4,5', '--shape', 'scalar', '--range', '-1,1', '--mode', 'per-coordinate', '--coordinates', '8'])).toMatchObject({
      command: 'check',
      module: { path: './op.mjs', exportName: 'f' },
      shapes: [[4, 5], []],
      ranges: [[-1, 1]],
      mode: 'per-coordinate',
      coordinates: 8,
    });
    expect(parseGradcheckArgs(['./op.mjs']).module).toEqual({ path: './op.mjs', exportName: 'default' });
    expect(parseGradcheckArgs(['opcheck'])).toMatchObject({ command: 'opcheck', allBackends: true, backends: ['cpu', 'wasm', 'native', 'tensorflow', 'webgl', 'webgpu'] });
    expect(parseGradcheckArgs(['opcheck', 'MyKernel', '--backend', 'wasm', '--input', 'x=4,5', '--input', 'dy=scalar:0,1'])).toMatchObject({
      backends: ['wasm'],
      kernels: ['MyKernel'],
      inputs: [{ name: 'x', shape: [4, 5] }, { name: 'dy', shape: [], range: [0, 1] }],
    });
    expect(parseGradcheckArgs(['selftest', '--seeds', '5'])).toMatchObject({ command: 'selftest', seeds: 5, compareSeeds: 2 });
    expect(parseGradcheckArgs(['bench', '--sample', '8'])).toMatchObject({ command: 'bench', sample: 8 });
  });

  for (const [args, pattern] of [
    [[], /missing what to check/],
    [['./op.mjs#f', '--shape', '4,x'], /^--shape: "x" in "4,x" is not a positive integer$/],
    [['./op.mjs#f', '--range', '1,0'], /needs lo < hi/],
    [['./op.mjs#f', '--mode', 'slow'], /^--mode: unknown value "slow"/],
    [['./op.mjs#f', '--coordinates', '4'], /--coordinates applies to --mode per-coordinate/],
    [['./op.mjs#f', '--backend', 'webgl'], /^--backend: unknown value "webgl"/],
    [['./op.mjs#f', '--seeds', '3'], /--seeds does not apply to a module check/],
    [['./op.mjs#1x'], /"1x" is not an export name/],
    [['opcheck', '--input', 'x=4'], /name exactly one KERNEL/],
    [['opcheck', 'K', '--input', 'x'], /must be name=SHAPE/],
    [['selftest', '--seeds', '0'], /^--seeds: 0 must be an integer ≥ 1$/],
    [['bench', 'extra'], /bench takes no arguments/],
  ] as const) {
    it(`rejects ${JSON.stringify(args)} with a one-line UsageError`, () => {
      let caught: unknown;
      try {
        parseGradcheckArgs([...args]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect(caught).toBeInstanceOf(CommonUsageError);
      expect((caught as Error).message).toMatch(pattern);
      expect((caught as Error).message).not.toContain('\n');
    });
  }
});

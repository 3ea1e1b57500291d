import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliRun, runNode, runTsxCli } from '../helpers/tsx_cli.js';
import { parseGradcheckArgs, UsageError } from '../../src/cli/gradcheck_args.js';

const ENTRY = resolve('src/cli/gradcheck.ts');

/** The CLI run in `cwd` (where --write puts docs/tfjs-audit.md). */
function auditIn(cwd: string, args: string[]): Promise<CliRun> {
  return runNode(['--import', 'tsx', ENTRY, ...args], { cwd });
}

describe('gradcheck audit: flags', () => {
  it('parses backends, ops, --write and --json, and refuses what does not apply', () => {
    const options = parseGradcheckArgs(['audit', '--backend', 'cpu,wasm', '--op', 'tanh', '--op', 'Conv2D', '--write', '--json']);
    expect(options).toMatchObject({ command: 'audit', backends: ['cpu', 'wasm'], ops: ['tanh', 'Conv2D'], write: true, json: true });
    expect(parseGradcheckArgs(['audit'])).toMatchObject({ backends: ['cpu'], ops: [], write: false });
    expect(parseGradcheckArgs(['audit', '--backend', 'cpu,webgl,webgpu'])).toMatchObject({ backends: ['cpu', 'webgl', 'webgpu'] });
    expect(() => parseGradcheckArgs(['audit', '--backend', 'gpu'])).toThrow(UsageError);
    expect(() => parseGradcheckArgs(['audit', '--shape', '4,5'])).toThrow(/--shape does not apply to audit/);
    expect(() => parseGradcheckArgs(['audit', 'tanh'])).toThrow(/name ops with --op/);
  });
});

describe.concurrent('gradcheck audit (spawned)', () => {
  it('--op tanh --json: the structured result, exit 1 for the wrong second derivative', async () => {
    const { status, stdout } = await runTsxCli('src/cli/gradcheck.ts', ['audit', '--op', 'tanh', '--json']);
    expect(status).toBe(1);
    const result = JSON.parse(stdout.trim()) as { tfjsVersion: string; rows: { order: number; status: string; diagnosis?: string }[] };
    expect(result.tfjsVersion).toBe('4.22.0');
    expect(result.rows.map((r) => [r.order, r.status, r.diagnosis])).toEqual([
      [1, 'pass', undefined],
      [2, 'fail', 'wrong second derivative (saved output detached)'],
    ]);
  });

  it('an unknown op: one line, exit 2', async () => {
    const { status, stdout, stderr } = await runTsxCli('src/cli/gradcheck.ts', ['audit', '--op', 'nosuchop']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe('gradcheck: audit: no case for nosuchop');
  });

  it('--write puts the dated report in docs/tfjs-audit.md of the working folder', async () => {
    // A folder inside the checkout, so that `--import tsx` resolves from it.
    const dir = mkdtempSync(join(process.cwd(), '.audit-write-'));
    try {
      const { status, stdout } = await auditIn(dir, ['audit', '--op', 'sin', '--write']);
      expect(status).toBe(0);
      expect(stdout).toMatch(/wrote docs\/tfjs-audit\.md/);
      const md = readFileSync(join(dir, 'docs', 'tfjs-audit.md'), 'utf8');
      expect(md).toMatch(/^Generated on \d{4}-\d{2}-\d{2} by `npx handgrad gradcheck audit --backend cpu --op sin --write`/m);
      expect(md).toMatch(/\| Sin \| `tf\.sin\(x\)` \| 2nd \| cpu \| pass \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

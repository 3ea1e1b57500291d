/**
 * `npm run bench:tensorflow-ops`: the default job's step on the tensorflow backend, every TF eager op
 * counted and charged to its kernel. The op counts are what docs/tfjs-node.md states.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeBackend } from '../../src/backends.js';
import { backendAvailability } from '../helpers/requirements.js';
import { REPO_ROOT } from './helpers.js';

const SCRIPT = join(REPO_ROOT, 'bench', 'tensorflow_ops.ts');
const TIMEOUT_MS = 120_000;
const tensorflow = backendAvailability(await probeBackend('tensorflow'));

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: TIMEOUT_MS, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
}

/** The `ops/step` column of the row named `name` in the output's tables. */
function opsPerStep(stdout: string, name: string): number {
  const row = stdout.split('\n').find((line) => line.startsWith(`${name} `));
  if (row === undefined) throw new Error(`no row ${name} in:\n${stdout}`);
  return Number(row.slice(name.length).trim().split(/\s+/)[0]);
}

describe('bench:tensorflow-ops flags', () => {
  it('a bad flag is one line and exit 2, before the backend loads', () => {
    const bad = run(['--steps', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('bench:tensorflow-ops: --steps: expected a positive integer, got 0');
    const unknown = run(['--fast']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  }, TIMEOUT_MS);
});

describe.skipIf(!tensorflow.available)(`bench:tensorflow-ops on tfjs-node${tensorflow.skipNote}`, () => {
  it('the default job\'s Adam step runs 72 TF ops: Adam 12 per parameter, 5 products, 7 in tfjs-node\'s own kernels', () => {
    const result = run(['--steps', '3', '--warmup', '1']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('72.0 TF eager ops/step');
    expect(opsPerStep(result.stdout, 'ManualAdamUpdate')).toBe(48);
    expect(opsPerStep(result.stdout, "tfjs-node's kernels")).toBe(7);
    expect(opsPerStep(result.stdout, 'ManualDenseParamGrads')).toBe(4);
    expect(opsPerStep(result.stdout, 'BatchMatMulV2')).toBe(5);
  }, TIMEOUT_MS);

  it('--optimizer momentum: the update is 4 ops per parameter', () => {
    const result = run(['--steps', '2', '--warmup', '1', '--optimizer', 'momentum']);
    expect(result.status, result.stderr).toBe(0);
    expect(opsPerStep(result.stdout, 'ManualMomentumUpdate')).toBe(16);
    expect(result.stdout).toContain('40.0 TF eager ops/step');
  }, TIMEOUT_MS);
});

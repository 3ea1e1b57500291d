import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/handgrad.mjs', import.meta.url));

/** Runs `handgrad` from a directory outside the package, as `npx handgrad` would. */
function handgrad(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx handgrad dispatcher', () => {
  it('--help lists the four commands and exits 0', () => {
    const { status, stdout } = handgrad(['--help']);
    expect(status).toBe(0);
    for (const command of ['train', 'compare', 'examples', 'bench']) expect(stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));
  });

  it.each([[['frobnicate']], [[]]])('%j: one line on stderr, exit 2', (args) => {
    const { status, stdout, stderr } = handgrad(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^handgrad: /);
  });

  it('runs `examples --json` through tsx from another directory and forwards exit 0', () => {
    const { status, stdout } = handgrad(['examples', '--json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout).match).toBe(true);
  });

  it('forwards the flags and the exit status 2 of a bad flag', () => {
    const { status, stderr } = handgrad(['examples', '--no-such-flag']);
    expect(status).toBe(2);
    expect(stderr).toContain("examples: Unknown option '--no-such-flag'");
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('runs `examples --json` from another directory and returns its exit status 0', () => {
    const { status, stdout } = handgrad(['examples', '--json']);
    expect(status).toBe(0);
    expect((JSON.parse(stdout) as { match: boolean }).match).toBe(true);
  });

  it('forwards the flags and the exit status 2 of a bad flag', () => {
    const { status, stderr } = handgrad(['examples', '--no-such-flag']);
    expect(status).toBe(2);
    expect(stderr).toContain("examples: Unknown option '--no-such-flag'");
  });

  it('runs the command in its own process (no child node), so Ctrl-C reaches the trainer: exit 130, last epoch saved', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'handgrad-bin-')), 'run');
    const args = ['train', '--train-size', '600', '--valid-size', '100', '--test-size', '100', '--hidden', '8', '--epochs', '1000', '--backend', 'cpu', '--out', out, '--checkpoint-every', '0'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let children: number[] | null = null;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (children === null && /^epoch 1\/1000 /m.test(stdout)) {
          children = childPids(child.pid ?? -1);
          child.kill('SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    expect(children).toEqual([]);
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted; run folder');
    expect(existsSync(join(out, 'checkpoints'))).toBe(true);
  });
});

/** The node processes whose parent is `pid` (Linux /proc; other children, such as tsx's esbuild service, do not count). */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        return comm === 'node' && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

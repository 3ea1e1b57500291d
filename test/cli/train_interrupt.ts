/** Spawns `src/cli/train.ts` and sends it SIGINT once its stdout matches `when` (the CLI's Ctrl-C). */
import { spawn } from 'node:child_process';

export async function trainUntilInterrupted(args: string[], when: (stdout: string) => boolean, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (when(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  return { code, stdout, stderr };
}

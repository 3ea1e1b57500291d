/**
 * Nothing in the repository points outside it: no machine paths, no notes folder beside the
 * checkout, no issue numbers (a reader of the repository can follow none of them).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const THIS_FILE = 'test/repo/references.test.ts';

/** What points outside: an absolute path of the development machine, the shared notes, an issue number. */
const OUTSIDE = [/\/work\//, /\.\.\/shared\b/, /\bshared\/README/i, /\bissues? #?\d+/i, /(^|[\s(])#\d+\b(?![0-9a-f]*;)/];

describe('the repository', () => {
  it('has no file that points outside it', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && f !== THIS_FILE && !f.endsWith('package-lock.json') && !/\.(png|wasm|gz|npz|node)$/.test(f));
    const hits: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(`${ROOT}${file}`, 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((pattern) => pattern.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeError, EXIT_USAGE } from '../../src/cli/common.js';
import { trainMain } from '../../src/cli/train.js';
import { encodeIdx } from '../../src/data/idx.js';
import { encodeNpy } from '../../src/data/npy.js';
import { encodeNpz } from '../../src/data/npz.js';

let dir: string;
let good: string;

/** A homework-layout npz of n 2×2 images (labels i mod 10), optionally altered. */
function npz(n: number, alter: { labels?: number[]; images?: number[]; imagesN?: number; float?: boolean } = {}): Uint8Array {
  const imagesN = alter.imagesN ?? n;
  const images = alter.images ?? Array.from({ length: imagesN * 4 }, (_, i) => i % 200);
  const labels = alter.labels ?? Array.from({ length: n }, (_, i) => i % 10);
  return encodeNpz({
    images: alter.float ? encodeNpy('<f4', [imagesN, 4], images) : encodeNpy('|u1', [imagesN, 2, 2], images),
    labels: encodeNpy('<i8', [n], labels),
  });
}

function file(name: string, bytes: Uint8Array | string): string {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

/** Runs the CLI in-process; returns the exit code and the one line runCli would print. */
async function run(argv: string[]): Promise<{ code: number; line: string }> {
  try {
    return { code: await trainMain(argv), line: '' };
  } catch (error) {
    return describeError(error);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'handgrad-cli-'));
  good = file('good.npz', npz(16020));
});

describe('train CLI: bad input → one-line error, exit 2, nothing written', () => {
  const N = 16020;
  const cases: [string, () => string[], RegExp][] = [
    ['missing data file', () => ['--data', join(dir, 'nope.npz')], /^--data .*nope\.npz: file not found$/],
    ['truncated npz', () => {
      const bytes = npz(N);
      return ['--data', file('cut.npz', bytes.subarray(0, bytes.length - 40))];
    }, /cut\.npz: not a readable npz\/zip archive/],
    ['corrupt npy inside the npz', () => ['--data', file('corrupt.npz', encodeNpz({ images: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), labels: encodeNpy('<i8', [1], [0]) }))], /corrupt\.npz:images\.npy: not an NPY file/],
    ['images and labels of different counts', () => ['--data', file('count.npz', npz(N, { imagesN: N + 5 }))], /count\.npz: 16025 images but 16020 labels/],
    ['labels outside 0..C−1 of --layers', () => ['--data', good, '--layers', '4,8,5'], /good\.npz:labels: row 5 has label 5, outside 0\.\.4 for the 5 outputs of --layers 4,8,5$/],
    ['a negative label', () => ['--data', file('neg.npz', npz(N, { labels: Array.from({ length: N }, (_, i) => (i === 3 ? -2 : i % 10)) }))], /neg\.npz:labels: row 3 has label -2/],
    ['NaN in the images', () => ['--data', file('nan.npz', npz(N, { float: true, images: Array.from({ length: N * 4 }, (_, i) => (i === 9 ? Number.NaN : 0.5)) }))], /nan\.npz:images: NaN in image 2 \(feature 1\)/],
    ['--layers first size ≠ features', () => ['--data', good, '--layers', '784,16,10'], /^--layers 784,16,10: first size must equal the data's 4 features/],
    ['--layers last size ≠ classes', () => ['--data', good, '--layers', '4,16,12'], /^--layers 4,16,12: last size must equal the data's 10 classes/],
    ['truncated IDX in a folder', () => {
      const idx = join(dir, 'idx');
      mkdirSync(idx, { recursive: true });
      writeFileSync(join(idx, 'train-images-idx3-ubyte'), encodeIdx('uint8', [10010, 2, 2], new Array(40040).fill(1)).subarray(0, 999));
      writeFileSync(join(idx, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [10010], new Array(10010).fill(1)));
      writeFileSync(join(idx, 't10k-images-idx3-ubyte'), encodeIdx('uint8', [5, 2, 2], new Array(20).fill(1)));
      writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [5], new Array(5).fill(1)));
      return ['--data', idx];
    }, /train-images-idx3-ubyte: truncated IDX data \(999 bytes/],
    ['unknown backend', () => ['--data', good, '--backend', 'tpu'], /^--backend: unknown backend "tpu"/],
    ['negative epochs', () => ['--epochs=-3'], /^--epochs: -3 must be an integer ≥ 1$/],
    ['negative epochs without =', () => ['--epochs', '-3'], /^--epochs: -3 must be an integer ≥ 1$/],
    ['negative learning rate', () => ['--lr', '-0.1'], /^--lr: -0\.1 must be > 0$/],
    ['negative train size', () => ['--train-size', '-5'], /^--train-size: -5 must be an integer ≥ 1$/],
    ['non-numeric learning rate', () => ['--lr', 'fast'], /^--lr: "fast" is not a number$/],
    ['zero learning rate', () => ['--lr', '0'], /^--lr: 0 must be > 0$/],
    ['fractional batch size', () => ['--batch-size', '1.5'], /^--batch-size: "1.5" is not an integer$/],
    ['momentum ≥ 1', () => ['--momentum', '1'], /^--momentum: 1 must be < 1$/],
    ['unknown optimizer', () => ['--optimizer', 'rmsprop'], /^--optimizer: unknown value "rmsprop" \(expected momentum, sgd, adam\)$/],
    ['unknown flag', () => ['--learning-rate', '3'], /^Unknown option '--learning-rate' \(see --help\)$/],
    ['flag without its value', () => ['--epochs'], /^Option '--epochs <value>' argument missing \(see --help\)$/],
    ['flag followed by another flag instead of its value', () => ['--hidden', '--epochs', '2'], /^--hidden: missing value \(the next argument is another flag; see --help\)$/],
    ['--layers and --hidden together', () => ['--layers', '4,8,10', '--hidden', '8'], /^--layers and --hidden: give one of them, not both$/],
    ['--train-size larger than the split', () => ['--data', good, '--train-size', '20000'], /^--train-size 20000: the .*good\.npz split has only 10000 samples$/],
    ['negative --checkpoint-every', () => ['--checkpoint-every', '-1'], /^--checkpoint-every: -1 must be ≥ 0$/],
    ['non-numeric --checkpoint-every', () => ['--checkpoint-every', 'abc'], /^--checkpoint-every: "abc" is not a number$/],
    ['NaN --checkpoint-every', () => ['--checkpoint-every=NaN'], /^--checkpoint-every: "NaN" is not a number$/],
    ['infinite --checkpoint-every', () => ['--checkpoint-every', 'Infinity'], /^--checkpoint-every: "Infinity" is not a number$/],
    ['bad --checkpoint-every with --resume', () => ['--resume', dir, '--checkpoint-every', 'NaN'], /^--checkpoint-every: "NaN" is not a number$/],
    ['--resume of a folder that is not a run', () => ['--resume', dir], /^--resume .*: not a handgrad training run \(no readable config\.json\)$/],
  ];

  it.each(cases)('%s', async (_name, argv, pattern) => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const args = argv();
    const result = await run(args.includes('--resume') ? args : ['--out', out, ...args]);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.line).toMatch(pattern);
    expect(result.line).not.toContain('\n');
    expect(existsSync(out)).toBe(false);
  });

  it('--out that exists and is not a run is refused and left untouched; so is a previous run without --overwrite', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const r1 = await run(['--data', good, '--out', other]);
    expect(r1).toEqual({ code: EXIT_USAGE, line: `--out ${other}: exists and is not a previous handgrad run; choose another folder` });
    expect(readdirSync(other)).toEqual(['notes.txt']);
    const prev = join(dir, 'prev');
    mkdirSync(prev);
    writeFileSync(join(prev, 'config.json'), JSON.stringify({ kind: 'handgrad-train-run' }));
    const r2 = await run(['--data', good, '--out', prev]);
    expect(r2.code).toBe(EXIT_USAGE);
    expect(r2.line).toMatch(/holds a previous run; continue it with --resume/);
    expect(readdirSync(prev)).toEqual(['config.json']);
  });

  it('the real process exits 2 with exactly one stderr line (spawned CLI)', () => {
    const out = join(dir, 'spawned');
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--data', good, '--backend', 'nope', '--out', out], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual(['train: --backend: unknown backend "nope" (expected auto, cpu, wasm, tensorflow, native, webgl, webgpu)']);
    expect(existsSync(out)).toBe(false);
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--batch-size N');
    expect(help.stdout).toContain('--checkpoint-every S');
  });
});

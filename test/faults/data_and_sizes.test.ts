/**
 * Data that used to be accepted silently (a stray label that made an 11-class model, float pixels
 * 0..255 used unscaled, a dtype the README does not list, a flattened file) and sizes that cannot
 * fit (a parameter matrix past a typed array's length, more than the free memory): each is refused
 * before anything is written, with one line naming the row, the file or the flag.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeError, EXIT_USAGE } from '../../src/cli/common.js';
import { trainMain } from '../../src/cli/train.js';
import { encodeIdx } from '../../src/data/idx.js';
import { encodeNpy } from '../../src/data/npy.js';
import { encodeNpz } from '../../src/data/npz.js';
import type { TrainConfig } from '../../src/train/config.js';
import { checkTrainingFits, MAX_TYPED_ARRAY_ELEMENTS } from '../../src/train/memory.js';
import { metricRows, spawnProcess, tempDir } from './helpers.js';

let dir: string;
const N = 16020;
const SMALL = ['--train-size', '500', '--valid-size', '100', '--test-size', '20', '--epochs', '1', '--backend', 'cpu'];

/** Runs the CLI in-process; returns the exit code, the one error line, and what it wrote on stderr. */
async function run(argv: string[]): Promise<{ code: number; line: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stdout.write = (() => true);
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  });
  try {
    return { code: await trainMain(argv), line: '', stderr };
  } catch (error) {
    return { ...describeError(error), stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** A homework-layout npz: `n` images (uint8 2×2 unless given), labels i mod 10 unless given. */
function npz(name: string, options: { labels?: number[]; images?: Uint8Array } = {}): string {
  const labels = options.labels ?? Array.from({ length: N }, (_, i) => i % 10);
  const images = options.images ?? encodeNpy('|u1', [N, 2, 2], Array.from({ length: N * 4 }, (_, i) => (i * 7) % 256));
  const path = join(dir, name);
  writeFileSync(path, encodeNpz({ images, labels: encodeNpy('<i8', [N], labels) }));
  return path;
}

beforeAll(() => {
  dir = tempDir('data-faults');
});

describe('labels: classes from the network’s output or the data, a bad label named by its row in the file', () => {
  const withTen = (row: number): number[] => Array.from({ length: N }, (_, i) => (i === row ? 10 : i % 10));

  it('one label 10 among 0..9 (npz) is a corrupt label, not an 11th class (was: an 11-class model)', async () => {
    const file = npz('one-ten.npz', { labels: withTen(4321) });
    const out = join(dir, 'out-one-ten');
    const r = await run(['--data', file, ...SMALL, '--out', out]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.line).toBe(
      `${file}:labels: row 4321 has label 10, but only 1 of ${N} labels are above 9 (classes 0..9 have 1601 or more each); fix the label, or pass --layers with 11 outputs if there are 11 classes`,
    );
    expect(existsSync(out)).toBe(false);
    // Stated explicitly, 11 classes train.
    expect((await run(['--data', file, ...SMALL, '--layers', '4,8,11', '--out', out])).code).toBe(0);
  });

  it('with --layers …,10, a label 10 is named by its row in the file, wherever the split puts it (was: "train sample -1 … label undefined")', async () => {
    for (const row of [17, 15999, 16019]) {
      const file = npz(`ten-at-${row}.npz`, { labels: withTen(row) });
      const r = await run(['--data', file, ...SMALL, '--layers', '4,8,10', '--out', join(dir, `out-ten-${row}`)]);
      expect(r).toMatchObject({ code: EXIT_USAGE, line: `${file}:labels: row ${row} has label 10, outside 0..9 for the 10 outputs of --layers 4,8,10` });
    }
  });

  it('a label 10 in an IDX folder (MNIST layout) names the labels file and the row', async () => {
    const idx = join(dir, 'idx');
    mkdirSync(idx);
    const nTrain = 10050;
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), encodeIdx('uint8', [nTrain, 2, 2], new Array(nTrain * 4).fill(9)));
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [nTrain], Array.from({ length: nTrain }, (_, i) => (i === 10020 ? 10 : i % 10))));
    writeFileSync(join(idx, 't10k-images-idx3-ubyte'), encodeIdx('uint8', [30, 2, 2], new Array(120).fill(3)));
    writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [30], Array.from({ length: 30 }, (_, i) => i % 10)));
    const r = await run(['--data', idx, '--epochs', '1', '--out', join(dir, 'out-idx')]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.line).toMatch(/train-labels-idx1-ubyte: row 10020 has label 10, but only 1 of 10080 labels are above 9/);
    const declared = await run(['--data', idx, '--epochs', '1', '--layers', '4,8,10', '--out', join(dir, 'out-idx')]);
    expect(declared.line).toBe(`${join(idx, 'train-labels-idx1-ubyte')}: row 10020 has label 10, outside 0..9 for the 10 outputs of --layers 4,8,10`);
  });
});

describe('images: uint8 ÷ 255 or floats in [0, 1]; anything else needs --scale', () => {
  const pixels = Array.from({ length: N * 4 }, (_, i) => (i * 7) % 256);

  it('float64 pixels 0..255: refused with the --scale to use (was: trained unscaled, loss ~30); with --scale 255 they train like uint8', async () => {
    const file = npz('f64.npz', { images: encodeNpy('<f8', [N, 2, 2], pixels) });
    const r = await run(['--data', file, ...SMALL, '--out', join(dir, 'out-f64')]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.line).toBe(`${file}:images: float64 image 0 has value 7 at feature 1, outside [0, 1] (float pixels are used as they are); pass --scale 255 if they are 0..255 pixels`);
    const scaled = join(dir, 'out-f64-scaled');
    const asUint8 = join(dir, 'out-u8');
    expect((await run(['--data', file, ...SMALL, '--scale', '255', '--out', scaled])).code).toBe(0);
    expect((await run(['--data', npz('u8.npz'), ...SMALL, '--out', asUint8])).code).toBe(0);
    expect(metricRows(scaled)).toEqual(metricRows(asUint8));
    // --scale is part of the run: --resume reads it from config.json.
    expect((await run(['--resume', scaled, '--epochs', '2'])).code).toBe(0);
  });

  it('a dtype the README does not list (int32) needs --scale; floats already in [0, 1] are read as they are', async () => {
    const file = npz('i32.npz', { images: encodeNpy('<i4', [N, 2, 2], pixels) });
    const r = await run(['--data', file, ...SMALL, '--out', join(dir, 'out-i32')]);
    expect(r).toMatchObject({ code: EXIT_USAGE, line: `${file}:images: images of dtype int32 are not read as pixels (uint8 is divided by 255, float32/float64 must be in [0, 1]); pass --scale S to divide them by S` });
    expect((await run(['--data', file, ...SMALL, '--scale', '255', '--out', join(dir, 'out-i32')])).code).toBe(0);
    const unit = npz('unit.npz', { images: encodeNpy('<f4', [N, 2, 2], pixels.map((p) => p / 255)) });
    expect((await run(['--data', unit, ...SMALL, '--out', join(dir, 'out-unit')])).code).toBe(0);
    expect((await run(['--data', file, ...SMALL, '--scale', '0', '--out', join(dir, 'out-zero')])).line).toBe('--scale: 0 must be > 0');
  });

  it('images that are not 28×28: a note names the feature count the network takes (was: not a word); --layers with that count states it', async () => {
    const file = npz('flat10.npz', { images: encodeNpy('|u1', [N, 10], Array.from({ length: N * 10 }, (_, i) => i % 256)) });
    const r = await run(['--data', file, ...SMALL, '--out', join(dir, 'out-flat')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: ${file}: each image has 10 values (10), so the network takes 10 input features, not the 28×28 = 784 of MNIST and notMNIST; pass --layers 10,…,10 to state it and drop this note`);
    const stated = await run(['--data', file, ...SMALL, '--layers', '10,16,10', '--out', join(dir, 'out-flat-stated')]);
    expect(stated.code).toBe(0);
    expect(stated.stderr).not.toContain('note:');
    const mismatch = await run(['--data', npz('u8b.npz'), ...SMALL, '--layers', '784,16,10', '--out', join(dir, 'out-mismatch')]);
    expect(mismatch.line).toBe(`--layers 784,16,10: first size must equal the data's 4 features (images of 2×2) (${join(dir, 'u8b.npz')})`);
  });
});

describe('sizes that cannot fit: refused before allocation, naming the flag', () => {
  it('train --hidden 10000000 (was: "Invalid typed array length: 7840000000", exit 1)', async () => {
    const out = join(dir, 'out-huge');
    const r = await run(['--hidden', '10000000', '--out', out]);
    expect(r).toMatchObject({
      code: EXIT_USAGE,
      line: `--hidden 10000000: its 784×10000000 weight matrix has 7840000000 values, more than one array can hold (${MAX_TYPED_ARRAY_ELEMENTS}); 784-10000000-10 has 7950000010 parameters`,
    });
    expect(existsSync(out)).toBe(false);
  });

  it('compare --layers 784,10000000,10: one line naming --layers, exit 2 (was: the same raw RangeError)', async () => {
    const r = await spawnProcess(process.execPath, ['--import', 'tsx', 'src/cli/compare.ts', '--layers', '784,10000000,10']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`compare: --layers 784,10000000,10: the 784×10000000 weight matrix has 7840000000 values, more than one array can hold (${MAX_TYPED_ARRAY_ELEMENTS})`]);
  });

  it('memory: the part that does not fit names its flag (layers for parameters, --batch-size for a full batch)', () => {
    const config = (layers: number[], batchSize: number): TrainConfig => ({
      layers,
      seed: 1,
      grad: 'manual',
      optimizer: { kind: 'adam', lr: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      batchSize,
      epochs: 1,
    });
    const flags = { layers: '--hidden 100000', batch: '--batch-size 0 (a full batch of 50000 rows)', data: '--train-size 50000' };
    const limits = { availableBytes: 2 ** 30, maxArrayElements: MAX_TYPED_ARRAY_ELEMENTS };
    const rows = { train: 50000, heldOut: 20000 };
    expect(() => checkTrainingFits(config([784, 100000, 10], 128), rows, flags, limits)).toThrow(/^--hidden 100000: training 784-100000-10 needs about \d+\.\d GiB \(parameters and adam state \d+\.\d GiB, /);
    expect(() => checkTrainingFits(config([784, 2000, 10], 0), rows, flags, limits)).toThrow(/^--batch-size 0 \(a full batch of 50000 rows\): training 784-2000-10 needs about/);
    // The default run and the homework setting fit in a few hundred MiB.
    expect(checkTrainingFits(config([784, 256, 10], 128), rows, flags, limits).total).toBeLessThan(2 ** 29);
    expect(checkTrainingFits(config([784, 1000, 10], 0), { train: 10000, heldOut: 8724 }, flags, limits).total).toBeLessThan(2 ** 30);
  });
});

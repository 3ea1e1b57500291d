import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HOMEWORK_SPLIT } from '../../src/data/dataset.js';
import { encodeIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/load.js';
import { encodeNpy } from '../../src/data/npy.js';
import { encodeNpz } from '../../src/data/npz.js';
import { numpyPermutation } from '../../src/data/numpy_shuffle.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'handgrad-load-'));

/** N images of 2×2 whose pixels encode their index, labels = index mod 10. */
function homeworkNpz(n: number, options: { labels?: number[]; imagesN?: number } = {}): Uint8Array {
  const imagesN = options.imagesN ?? n;
  const pixels = Array.from({ length: imagesN * 4 }, (_, i) => Math.floor(i / 4) % 251);
  const labels = options.labels ?? Array.from({ length: n }, (_, i) => i % 10);
  return encodeNpz({ images: encodeNpy('|u1', [imagesN, 2, 2], pixels), labels: encodeNpy('<i8', [n], labels) });
}

describe('loadDataset', () => {
  it('splits a homework-layout npz 10000/6000/rest after numpy seed-521 shuffle, scaling by 1/255', () => {
    const dir = tmp();
    const n = 16050;
    writeFileSync(join(dir, 'tiny.npz'), homeworkNpz(n));
    const data = loadDataset(join(dir, 'tiny.npz'));
    expect([data.train.n, data.valid.n, data.test.n]).toEqual([HOMEWORK_SPLIT.train, HOMEWORK_SPLIT.valid, n - 16000]);
    expect(data.features).toBe(4);
    expect(data.classes).toBe(10);
    const perm = numpyPermutation(n, 521);
    for (const [row, split, offset] of [[0, data.train, 0], [5, data.valid, 10000], [49, data.test, 16000]] as const) {
      const original = perm[offset + row];
      expect(split.labels[row]).toBe(original % 10);
      expect(split.x[row * 4]).toBeCloseTo((original % 251) / 255, 7);
    }
  });

  it('takes --train-size/--valid-size/--test-size subsets and rejects sizes larger than the split', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'tiny.npz'), homeworkNpz(16050));
    const data = loadDataset(join(dir, 'tiny.npz'), { trainSize: 100, validSize: 20, testSize: 7 });
    expect([data.train.n, data.valid.n, data.test.n]).toEqual([100, 20, 7]);
    expect(() => loadDataset(join(dir, 'tiny.npz'), { testSize: 51 })).toThrow(/^--test-size 51: the .* split has only 50 samples$/);
  });

  it('rejects count mismatch, negative labels, NaN pixels, missing arrays and missing files with one line naming the input', () => {
    const dir = tmp();
    const write = (name: string, bytes: Uint8Array): string => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    };
    expect(() => loadDataset(write('count.npz', homeworkNpz(16050, { imagesN: 16051 })))).toThrow(/count\.npz: 16051 images but 16050 labels/);
    const labels = Array.from({ length: 16050 }, (_, i) => (i === 7 ? -1 : i % 10));
    expect(() => loadDataset(write('neg.npz', homeworkNpz(16050, { labels })))).toThrow(/neg\.npz:labels: row 7 has label -1, expected a non-negative integer$/);
    const nanImages = new Array(16050 * 4).fill(0.5);
    nanImages[4 * 3 + 1] = Number.NaN;
    const nan = encodeNpz({ images: encodeNpy('<f4', [16050, 4], nanImages), labels: encodeNpy('<i4', [16050], new Array(16050).fill(1)) });
    expect(() => loadDataset(write('nan.npz', nan))).toThrow(/nan\.npz:images: NaN in image 3 \(feature 1\)/);
    const noLabels = encodeNpz({ images: encodeNpy('|u1', [2, 2], [1, 2, 3, 4]) });
    expect(() => loadDataset(write('nolabels.npz', noLabels))).toThrow(/expected arrays 'images' and 'labels', found 'images'/);
    expect(() => loadDataset(join(dir, 'absent.npz'))).toThrow(/^--data .*absent\.npz: file not found$/);
    expect(() => loadDataset(write('small.npz', homeworkNpz(100)))).toThrow(/small\.npz: 100 samples, the homework split needs more than 16000/);
  });

  it('reads a folder of IDX files (gzipped or not), last 10000 training images as validation', () => {
    const dir = tmp();
    const nTrain = 10030;
    const nTest = 12;
    const img = (n: number): number[] => Array.from({ length: n * 9 }, (_, i) => Math.floor(i / 9) % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx('uint8', [nTrain, 3, 3], img(nTrain))));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [nTrain], Array.from({ length: nTrain }, (_, i) => i % 3)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx('uint8', [nTest, 3, 3], img(nTest)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [nTest], Array.from({ length: nTest }, (_, i) => i % 3)));
    const data = loadDataset(dir);
    expect([data.train.n, data.valid.n, data.test.n, data.features, data.classes]).toEqual([30, 10000, 12, 9, 3]);
    expect(data.valid.labels[0]).toBe(30 % 3);
    expect(data.valid.x[0]).toBeCloseTo(30 / 255, 7);

    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [nTest - 1], new Array(nTest - 1).fill(0)));
    expect(() => loadDataset(dir)).toThrow(/t10k-images-idx3-ubyte: 12 images but .*t10k-labels-idx1-ubyte has 11 labels/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    expect(() => loadDataset(bad)).toThrow(/bad: no train-images-idx3-ubyte \(or \.gz\) in this folder of IDX files/);
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), encodeIdx('uint8', [nTrain, 3, 3], img(nTrain)).subarray(0, 1000));
    for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte']) copyFileSync(join(dir, f), join(bad, f));
    writeFileSync(join(bad, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [nTest], new Array(nTest).fill(0)));
    expect(() => loadDataset(bad)).toThrow(/train-images-idx3-ubyte: truncated IDX data/);

    // A corrupt label past classes that never occur (200 among 0..2) is refused, not taken as 201 classes.
    const testLabels = Array.from({ length: nTest }, (_, i) => (i === 5 ? 200 : i % 3));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [nTest], testLabels));
    expect(() => loadDataset(dir)).toThrow(/t10k-labels-idx1-ubyte: row 5 has label 200, but no sample has label 3; labels must be the class indices 0\.\.C−1$/);
  });

  it('refuses an npz label that skips classes (42 among 0..9) and names its index', () => {
    const dir = tmp();
    const labels = Array.from({ length: 16050 }, (_, i) => (i === 16049 ? 42 : i % 10));
    writeFileSync(join(dir, 'gap.npz'), homeworkNpz(16050, { labels }));
    expect(() => loadDataset(join(dir, 'gap.npz'))).toThrow(/gap\.npz:labels: row 16049 has label 42, but no sample has label 10;/);
  });

  it('loads the embedded MNIST default: 50000/10000/10000 of 784 features, 10 classes, first label 5', () => {
    const data = loadDataset('mnist');
    expect([data.train.n, data.valid.n, data.test.n, data.features, data.classes]).toEqual([50000, 10000, 10000, 784, 10]);
    expect(Array.from(data.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(data.test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    let max = 0;
    for (const v of data.train.x.subarray(0, 784 * 10)) max = Math.max(max, v);
    expect(max).toBe(1);
  });
});

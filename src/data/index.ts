/**
 * handgrad/data: readers for the data sets' file formats from bytes (IDX, NPY, NPZ; they run in
 * Node and in a page), and the homework's split (numpy's shuffle with seed 521, 10000/6000/rest).
 * In Node this subpath also loads files and folders (./node.ts).
 */
export { homeworkSplit, imagesToRows, makeSplit, toLabels, HOMEWORK_SPLIT, type Dataset, type Split, type SubsetSizes } from './dataset.js';
export { DataError } from './errors.js';
export { parseIdx, type IdxArray } from './idx.js';
export { parseNpy, type NpyArray } from './npy.js';
export { parseNpz } from './npz.js';
export { numpyPermutation } from './numpy_shuffle.js';

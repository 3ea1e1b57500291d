/** handgrad/data in Node: the readers of ./index.ts, and loaders of files and folders from disk. */
export * from './index.js';
export { loadDataset, loadIdxFolder, loadNpz, mnistDataDir } from './load.js';

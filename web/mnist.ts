/** The MNIST subset that vite.config.ts cuts at build time, parsed with the project's own IDX reader. */
import { imagesToRows, makeSplit, toLabels, type Dataset, type Split } from '../src/data/dataset.js';
import { parseIdx } from '../src/data/idx.js';

async function fetchBytes(path: string, baseUrl: string): Promise<Uint8Array> {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function loadSplit(name: 'train' | 'valid' | 'test', baseUrl: string): Promise<{ split: Split; features: number }> {
  const imagesPath = `mnist/${name}-images.idx`;
  const labelsPath = `mnist/${name}-labels.idx`;
  const [images, labels] = await Promise.all([fetchBytes(imagesPath, baseUrl), fetchBytes(labelsPath, baseUrl)]);
  const rows = imagesToRows(parseIdx(images, imagesPath), imagesPath);
  const split = makeSplit(rows.x, toLabels(parseIdx(labels, labelsPath), labelsPath, 10), rows.features, imagesPath);
  return { split, features: rows.features };
}

/** `baseUrl`: the page's address (document.baseURI), which a worker must be told. */
export async function loadBundledMnist(baseUrl: string): Promise<Dataset> {
  const [train, valid, test] = await Promise.all([loadSplit('train', baseUrl), loadSplit('valid', baseUrl), loadSplit('test', baseUrl)]);
  return { name: 'mnist-subset', features: train.features, classes: 10, train: train.split, valid: valid.split, test: test.split };
}

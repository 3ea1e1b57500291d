/** A small, seeded, learnable data set for fast training tests: C Gaussian blobs in F dimensions. */
import seedrandom from 'seedrandom';
import type { Dataset, Split } from '../../src/data/dataset.js';

export function blobs(n: number, features: number, classes: number, seed: number): Split {
  const rng = seedrandom(`blobs-${seed}`);
  const centers = Array.from({ length: classes }, () => Array.from({ length: features }, () => 2 * rng() - 1));
  const x = new Float32Array(n * features);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = centers[c][f] + 0.3 * (rng() - 0.5);
  }
  return { x, labels, n };
}

export function blobDataset(nTrain: number, features = 12, classes = 4): Dataset {
  return {
    name: 'blobs',
    features,
    classes,
    train: blobs(nTrain, features, classes, 1),
    valid: blobs(64, features, classes, 1),
    test: blobs(64, features, classes, 1),
  };
}

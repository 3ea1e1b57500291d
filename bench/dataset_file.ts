/**
 * A data set in a temporary file, so that a section's child process holds only the rows it trains on
 * (loading all of MNIST to take 18724 rows would add ~450 MiB to its peak RSS, which numpy never pays):
 * one JSON header line, then each split's x (float32) and labels (int32), little-endian, read straight
 * into the typed arrays.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { Dataset, Split } from '../src/data/dataset.js';

interface Header {
  name: string;
  features: number;
  classes: number;
  rows: [train: number, valid: number, test: number];
}

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

export function writeDatasetFile(path: string, data: Dataset): void {
  const header: Header = { name: data.name, features: data.features, classes: data.classes, rows: [data.train.n, data.valid.n, data.test.n] };
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(header)}\n`);
    for (const split of [data.train, data.valid, data.test]) {
      writeSync(fd, bytesOf(split.x));
      writeSync(fd, bytesOf(split.labels));
    }
  } finally {
    closeSync(fd);
  }
}

export function readDatasetFile(path: string): Dataset {
  const fd = openSync(path, 'r');
  try {
    const probe = Buffer.alloc(4096);
    const got = readSync(fd, probe, 0, probe.length, 0);
    const newline = probe.subarray(0, got).indexOf(10);
    if (newline < 0) throw new Error(`${path}: no data set header`);
    const header = JSON.parse(probe.subarray(0, newline).toString('utf8')) as Header;
    let position = newline + 1;
    const fill = (view: ArrayBufferView): void => {
      const bytes = bytesOf(view);
      for (let done = 0; done < bytes.length; ) {
        const n = readSync(fd, bytes, done, bytes.length - done, position);
        if (n === 0) throw new Error(`${path}: truncated data set file`);
        done += n;
        position += n;
      }
    };
    const split = (n: number): Split => {
      const x = new Float32Array(n * header.features);
      const labels = new Int32Array(n);
      fill(x);
      fill(labels);
      return { x, labels, n };
    };
    const [train, valid, test] = header.rows.map(split);
    return { name: header.name, features: header.features, classes: header.classes, train, valid, test };
  } finally {
    closeSync(fd);
  }
}

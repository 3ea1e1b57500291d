import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { batchOf } from '../../src/data/dataset.js';
import { blobs } from './synthetic.js';

describe('batchOf: mini-batch assembly on the host', () => {
  it('copies rows idx in order and one-hot encodes their labels, as tf.gather + tf.oneHot do', () => {
    const split = blobs(50, 7, 4, 3);
    const idx = new Int32Array([49, 0, 17, 17, 3, 48]);
    const batch = batchOf(split, idx, 7, 4);
    expect(batch.rows).toBe(6);
    const x = tf.tensor2d(split.x, [50, 7]);
    const labels = tf.tensor1d(split.labels, 'int32');
    const idxT = tf.tensor1d(idx, 'int32');
    const wantX = tf.gather(x, idxT);
    const wantY = tf.oneHot(tf.gather(labels, idxT), 4);
    expect(Array.from(batch.x)).toEqual(Array.from(wantX.dataSync()));
    expect(Array.from(batch.yOneHot)).toEqual(Array.from(wantY.dataSync()));
    // Every row of Y holds exactly one 1.
    for (let r = 0; r < 6; r++) expect(batch.yOneHot.subarray(r * 4, r * 4 + 4).reduce((a, v) => a + v, 0)).toBe(1);
    tf.dispose([x, labels, idxT, wantX, wantY]);
  });

  it('into a reused pair of arrays: the same batch, as views on them, with the previous batch\'s ones cleared', () => {
    const split = blobs(50, 7, 4, 3);
    const staging = { x: new Float32Array(6 * 7), yOneHot: new Float32Array(6 * 4), rows: 0 };
    const first = batchOf(split, new Int32Array([0, 1, 2, 3, 4, 5]), 7, 4, staging);
    expect(first.x.buffer).toBe(staging.x.buffer);
    const idx = new Int32Array([9, 30, 12]);
    const second = batchOf(split, idx, 7, 4, staging);
    const fresh = batchOf(split, idx, 7, 4);
    expect(second.rows).toBe(3);
    expect(second.yOneHot.buffer).toBe(staging.yOneHot.buffer);
    expect(Array.from(second.x)).toEqual(Array.from(fresh.x));
    expect(Array.from(second.yOneHot)).toEqual(Array.from(fresh.yOneHot));
  });
});

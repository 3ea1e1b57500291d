/**
 * The native backend's output-buffer pool: disposed kernel outputs are recycled, and nothing a caller
 * can still see is ever overwritten (read arrays, views made by cpu kernels such as Slice).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends.js';
import { BufferPool } from '../../native/buffer_pool.js';
import type { NativeBackend } from '../../native/native_backend.js';
import { NATIVE_MISSING, SKIP_REASON, randomValues } from './helpers.js';

describe('BufferPool', () => {
  it('hands a released array back for the same length, and never one that escaped', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.take(1000);
    pool.release(a);
    expect(pool.pooledBytes).toBe(4000);
    expect(pool.take(1000)).toBe(a);
    expect(pool.take(1000)).not.toBe(a);
    const b = pool.take(2000);
    pool.escape(b);
    pool.release(b);
    expect(pool.pooledBytes).toBe(0);
    expect(pool.take(2000)).not.toBe(b);
  });

  it('keeps at most its byte budget on the free lists, and small arrays are not pooled', () => {
    const pool = new BufferPool(10_000);
    const arrays = [pool.take(1000), pool.take(1000), pool.take(1000)];
    for (const a of arrays) pool.release(a);
    expect(pool.pooledBytes).toBe(8000);
    const small = pool.take(10);
    expect(pool.isRecyclable(small)).toBe(false);
    pool.clear();
    expect(pool.pooledBytes).toBe(0);
  });

  it('releasing an array it did not hand out (or twice) does nothing', () => {
    const pool = new BufferPool(1 << 20);
    pool.release(new Float32Array(1000));
    const a = pool.take(1000);
    pool.release(a);
    pool.release(a);
    expect(pool.pooledBytes).toBe(4000);
  });
});

describe.skipIf(NATIVE_MISSING)(`the native backend recycles kernel outputs safely${SKIP_REASON}`, () => {
  let backend: NativeBackend;
  beforeAll(async () => {
    await useBackend('native');
    backend = tf.backend() as NativeBackend;
  });
  const valuesOf = (t: tf.Tensor): unknown => backend.data.get(t.dataId).values;

  it('a disposed output is the next same-size output, with new contents', () => {
    const x = tf.tensor2d(randomValues(64 * 32, 1), [64, 32]);
    const first = tf.relu(x);
    const stored = valuesOf(first);
    first.dispose();
    const second = tf.neg(x);
    expect(valuesOf(second)).toBe(stored);
    expect(Array.from(second.dataSync())).toEqual(Array.from(x.dataSync()).map((v) => Math.fround(-v)));
    tf.dispose([x, second]);
  });

  it('an array handed out by dataSync keeps its values after its tensor is disposed and other kernels run', () => {
    const x = tf.tensor2d(randomValues(64 * 32, 2), [64, 32]);
    const y = tf.relu(x);
    const read = y.dataSync();
    const kept = Float32Array.from(read);
    y.dispose();
    const others = [tf.neg(x), tf.exp(x), tf.relu(tf.neg(x))];
    expect(Array.from(read)).toEqual(Array.from(kept));
    tf.dispose([x, ...others]);
  });

  it('a slice (a view on its input, from the cpu kernel) survives its input being disposed and the buffer pool running', () => {
    const x = tf.tensor2d(randomValues(64 * 32, 3), [64, 32]);
    const y = tf.relu(x);
    const row = y.slice([5, 0], [1, 32]);
    const want = Array.from(tf.relu(x.slice([5, 0], [1, 32])).dataSync());
    y.dispose();
    const others = [tf.neg(x), tf.exp(x), tf.mul(x, 2)];
    expect(Array.from(row.dataSync())).toEqual(want);
    tf.dispose([x, row, ...others]);
  });

  it('an epoch of native training steps reuses buffers: the pool holds arrays between steps and tensors do not grow', async () => {
    const { trainStep, paramList } = await import('../../src/train/step.js');
    const { xavierInit } = await import('../../src/model/mlp.js');
    const { initOptimizerState } = await import('../../src/train/optimizers.js');
    const config = { layers: [50, 40, 10], seed: 1, grad: 'manual' as const, batchSize: 32, epochs: 1, optimizer: { kind: 'adam' as const, lr: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } };
    let params = xavierInit(config.layers, 1);
    let state = initOptimizerState(config.optimizer, paramList(params));
    const x = tf.tensor2d(randomValues(32 * 50, 4), [32, 50]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), 'int32'), 10).toFloat() as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const w1Arrays = new Set<unknown>();
    for (let step = 0; step < 6; step++) {
      const result = trainStep(params, state, x, y, config);
      result.loss.dispose();
      params = result.params;
      state = result.optimizerState;
      w1Arrays.add(valuesOf(params.weights[0]));
    }
    expect(tf.memory().numTensors).toBe(before);
    // W_1 alternates between a handful of recycled arrays instead of a new one every step.
    expect(w1Arrays.size).toBeLessThan(6);
    expect(backend.pool.pooledBytes).toBeGreaterThan(0);
    tf.dispose([x, y, ...paramList(params), ...Object.values(state.slots).flat()]);
  });
});

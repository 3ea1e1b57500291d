import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseSequential } from '../../src/examples/example_network.js';
import { runT2 } from '../../src/examples/t2_activation_shapes.js';
import { runT3, T3_EXPECTED } from '../../src/examples/t3_parameter_count.js';
import { parameterCount } from '../../src/model/mlp.js';
import { useCpuWithCustomOps } from './setup.js';

beforeAll(useCpuWithCustomOps);

describe('hw4 T2: activation shapes from a forward pass of [30 → 1024 → 512 → 1] on 32 rows', () => {
  it('gives (32,1024), (32,512), (32,1) row-major and the homework\'s (1024,32), (512,32), (1,32) column-major', () => {
    const before = tf.memory().numTensors;
    const task = runT2();
    expect(tf.memory().numTensors).toBe(before);
    const shapes = Object.fromEntries(task.rows.map((r) => [r.quantity, [r.expected, r.manual, r.autodiff['tf.sequential']]]));
    expect(shapes).toEqual({
      'A shape, row-major N×out': [[32, 1024], [32, 1024], [32, 1024]],
      'A shape, homework column-major out×N': [[1024, 32], [1024, 32], [1024, 32]],
      'B shape, row-major N×out': [[32, 512], [32, 512], [32, 512]],
      'B shape, homework column-major out×N': [[512, 32], [512, 32], [512, 32]],
      'C shape, row-major N×out': [[32, 1], [32, 1], [32, 1]],
      'C shape, homework column-major out×N': [[1, 32], [1, 32], [1, 32]],
    });
    expect(task.rows.every((r) => r.match)).toBe(true);
  });
});

describe('hw4 T3: parameter count', () => {
  it('is 557057 from the model tensors and from tf.sequential countParams()', () => {
    const before = tf.memory().numTensors;
    const task = runT3();
    expect(tf.memory().numTensors).toBe(before);
    expect(T3_EXPECTED).toBe(557057);
    const [row] = task.rows;
    expect(row.manual).toBe(557057);
    expect(row.autodiff['tf.sequential countParams()']).toBe(557057);
    expect(row.match).toBe(true);
  });

  it('the equivalent tf.sequential counts the same parameters as the model for other sizes', () => {
    const model = denseSequential([3, 4, 2]);
    try {
      expect(model.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
      expect(model.countParams()).toBe(parameterCount([3, 4, 2]));
    } finally {
      model.dispose();
    }
  });
});

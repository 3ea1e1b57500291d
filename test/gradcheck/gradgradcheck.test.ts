import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradgradcheck } from '../../gradcheck/index.js';
import { manualSoftmax, manualSoftmaxCrossEntropy } from '../../custom-ops/index.js';

describe('gradgradcheck (second order, any function, fp32 without a reference)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('passes handgrad\'s softmax and cross-entropy, whose gradients are differentiable, w.r.t. the inputs and dy', () => {
    const z = tf.randomNormal([4, 6], 0, 2, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([1, 0, 5, 2], 'int32'), 6).toFloat();
    const before = tf.memory().numTensors;
    const softmax = gradgradcheck((t) => manualSoftmax(t), [z], { name: 'softmax', inputNames: ['z'] });
    expect(softmax.pass).toBe(true);
    expect(softmax.inputs.map((i) => i.name)).toEqual(['softmax 2nd order ∂/∂z', 'softmax 2nd order ∂/∂dy']);
    const loss = gradgradcheck((l, t) => manualSoftmaxCrossEntropy(l, t), [y, z], { name: 'xent' });
    expect(loss.pass).toBe(true);
    expect(loss.inputs).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, y]);
  });

  it('passes sin (tfjs differentiates cos(x) again) and fails tanh, whose gradient reads the saved output off the tape', () => {
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
    expect(gradgradcheck((t) => tf.sin(t), [x]).pass).toBe(true);
    const tanh = gradgradcheck((t) => tf.tanh(t), [x], { name: 'tf.tanh' });
    expect(tanh.pass).toBe(false);
    // The missing term −2·tanh·tanh′·dy is wrong in every coordinate; the upstream dy still passes.
    expect(tanh.inputs[0].pass).toBe(false);
    expect(tanh.inputs[0].failingIndices.length).toBeGreaterThan(0);
    expect(tanh.inputs[1].pass).toBe(true);
    x.dispose();
  });
});

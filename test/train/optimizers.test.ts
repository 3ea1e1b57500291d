import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerConfig } from '../../src/train/config.js';
import { disposeOptimizerState, initOptimizerState, optimizerUpdate } from '../../src/train/optimizers.js';

const base: OptimizerConfig = { kind: 'sgd', lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const w0 = [0.5, -1, 2];
const grads = [
  [1, -2, 0.5],
  [0.25, 0.5, -1],
  [-0.75, 1, 2],
];

/** Runs three updates of `config` from w0 with the fixed gradient sequence; returns W after each. */
function runTf(config: OptimizerConfig): number[][] {
  let params = [tf.tensor1d(w0)];
  let state = initOptimizerState(config, params);
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    const next = optimizerUpdate(config, params, [gt], state);
    tf.dispose([gt, ...params]);
    disposeOptimizerState(state);
    params = next.params as tf.Tensor1D[];
    state = next.state;
    out.push(Array.from(params[0].dataSync()));
  }
  tf.dispose(params);
  disposeOptimizerState(state);
  return out;
}

/** The same updates in float64 JavaScript, written from the equations. */
function reference(config: OptimizerConfig): number[][] {
  const w = [...w0];
  const v = [0, 0, 0];
  const m = [0, 0, 0];
  const out: number[][] = [];
  grads.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < 3; i++) {
      if (config.kind === 'sgd') w[i] -= config.lr * g[i];
      if (config.kind === 'momentum') {
        v[i] = config.momentum * v[i] + config.lr * g[i]; // v ← γv + α∇
        w[i] -= v[i]; //                                     W ← W − v
      }
      if (config.kind === 'adam') {
        m[i] = config.beta1 * m[i] + (1 - config.beta1) * g[i];
        v[i] = config.beta2 * v[i] + (1 - config.beta2) * g[i] * g[i];
        const mHat = m[i] / (1 - config.beta1 ** t);
        const vHat = v[i] / (1 - config.beta2 ** t);
        w[i] -= (config.lr * mHat) / (Math.sqrt(vHat) + config.epsilon);
      }
    }
    out.push([...w]);
  });
  return out;
}

describe('optimizers (pure functions over tensors)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['sgd', 'momentum', 'adam'] as const)('%s matches the float64 equations over three steps (fp32 rounding, 1e-6)', (kind) => {
    const config = { ...base, kind, lr: kind === 'adam' ? 0.01 : 0.1 };
    const got = runTf(config);
    const want = reference(config);
    for (let s = 0; s < 3; s++) for (let i = 0; i < 3; i++) expect(Math.abs(got[s][i] - want[s][i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[s][i])));
  });

  it('the momentum update is the homework one: after one step W = W0 − αg; after two, W1 − (γαg1 + αg2)', () => {
    const got = runTf({ ...base, kind: 'momentum', lr: 0.5, momentum: 0.5 });
    expect(got[0][0]).toBeCloseTo(0.5 - 0.5 * 1, 6);
    expect(got[1][0]).toBeCloseTo(0 - (0.5 * 0.5 * 1 + 0.5 * 0.25), 6);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    runTf({ ...base, kind: 'adam' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

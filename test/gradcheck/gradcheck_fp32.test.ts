/**
 * gradcheck without a float64 reference: the structured result, fast and per-coordinate modes,
 * localisation of failing coordinates, kinks, raise, evaluation counts, no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck, GradcheckError } from '../../gradcheck/index.js';
import { tanhLayer } from '../../gradcheck/selftest/bench.js';

/** tanh with a hand-written gradient; `bug` edits the gradient's values. */
function tanhWithGrad(bug: (g: Float32Array) => void = () => {}): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const y = tf.tanh(x);
    (args[1] as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) => {
        const g = tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(saved)));
        const values = Float32Array.from(g.dataSync());
        bug(values);
        return tf.tensor(values, g.shape);
      },
    };
  });
}

const maxAbs = (v: Float32Array): number => v.reduce((m, e) => Math.max(m, Math.abs(e)), 0);

describe('gradcheck, fp32 without a reference', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('passes a correct gradient with a per-input structured result and leaks nothing', () => {
    const x = tf.randomNormal([6, 7], 0, 1, 'float32', 11);
    const before = tf.memory().numTensors;
    const result = gradcheck(tanhWithGrad(), [x], { name: 'tanh', inputNames: ['x'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.pass).toBe(true);
    const [input] = result.inputs;
    expect(input).toMatchObject({ name: 'tanh ∂/∂x', index: 0, shape: [6, 7], mode: 'fast', checked: 42, total: 42, failingIndices: [], pass: true });
    expect(input.maxRelErr).toBeLessThanOrEqual(input.tol);
    // The tolerance is derived from the estimate (4× it plus the analytic rounding floor), never a fixed 1e-2.
    expect(input.errorEstimate).toBeGreaterThan(0);
    expect(input.tol).toBeGreaterThanOrEqual(4 * input.errorEstimate);
    expect(input.tol).toBeLessThan(1e-3);
    expect(input.resolution).toBeLessThan(1e-3);
    expect(result.rows[0]).toMatchObject({ name: 'tanh ∂/∂x', kind: 'grad vs fd32 (fast)', pass: true, checked: 42, total: 42 });
    expect(result.rows[0].errorEstimate).toBe(input.errorEstimate);
    x.dispose();
  });

  it('names the one bad coordinate among 4096 (fast mode, bisection) for an error of 0.1 % of max|g|', () => {
    const x = tf.randomNormal([64, 64], 0, 1, 'float32', 12);
    const bad = 2741;
    const result = gradcheck(
      tanhWithGrad((g) => (g[bad] += 0.001 * maxAbs(g))),
      [x],
      { name: 'tanh' },
    );
    expect(result.pass).toBe(false);
    expect(result.inputs[0].failingIndices).toEqual([bad]);
    expect(result.inputs[0].failingCoordinates).toEqual([[Math.floor(bad / 64), bad % 64]]);
    expect(result.inputs[0].failingComplete).toBe(true);
    // Localisation, not a sweep: far fewer evaluations than 4096 coordinates × ~30.
    expect(result.evaluations).toBeLessThan(4096);
    x.dispose();
  });

  it('per-coordinate mode finds the same coordinate and checks every one', () => {
    const x = tf.randomNormal([5, 6], 0, 1, 'float32', 13);
    const result = gradcheck(tanhWithGrad((g) => (g[17] = -g[17])), [x], { mode: 'per-coordinate' });
    expect(result.pass).toBe(false);
    expect(result.inputs[0].failingIndices).toEqual([17]);
    expect(result.inputs[0].checked).toBe(30);
    expect(result.rows[0].kind).toBe('grad vs fd32');
    x.dispose();
  });

  it('a 0.1 % scale error on the whole gradient fails, and says the error is spread when no coordinate fails alone', () => {
    const x = tf.randomNormal([8, 8], 0, 1, 'float32', 14);
    const result = gradcheck(tanhWithGrad((g) => g.forEach((v, i) => (g[i] = v * 1.001))), [x], {});
    expect(result.pass).toBe(false);
    expect(result.inputs[0].maxRelErr).toBeGreaterThan(5e-4);
    x.dispose();
  });

  it('checks several inputs and outputs, and an input the function ignores has gradient zero', () => {
    const a = tf.randomNormal([3, 4], 0, 1, 'float32', 15);
    const b = tf.randomNormal([4, 2], 0, 1, 'float32', 16);
    const unused = tf.randomNormal([2], 0, 1, 'float32', 17);
    const result = gradcheck((p, q) => [tf.matMul(p, q), tf.sin(p)], [a, b, unused], { inputNames: ['a', 'b', 'unused'] });
    expect(result.pass).toBe(true);
    expect(result.inputs.map((i) => i.name)).toEqual(['fn ∂/∂a', 'fn ∂/∂b', 'fn ∂/∂unused']);
    tf.dispose([a, b, unused]);
  });

  it('reports a gradient of the wrong shape as a failing result with the reason', () => {
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 18);
    const wrong = tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.square(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.sum(dy as tf.Tensor, 0),
    }));
    const result = gradcheck(wrong, [x]);
    expect(result.pass).toBe(false);
    expect(result.error).toMatch(/shape/);
    x.dispose();
  });

  it('raise: throws a GradcheckError carrying the result and naming the failure', () => {
    const x = tf.randomNormal([4, 4], 0, 1, 'float32', 19);
    let caught: unknown;
    try {
      gradcheck(tanhWithGrad((g) => (g[5] *= 1.01)), [x], { name: 'tanh', raise: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GradcheckError);
    expect((caught as Error).message).toMatch(/tanh ∂\/∂x0.*\[1,1\]/);
    expect(((caught as GradcheckError).result as { pass: boolean }).pass).toBe(false);
    expect(() => gradcheck(tanhWithGrad(), [x], { raise: true })).not.toThrow();
    x.dispose();
  });

  it('rejects bad options with a message naming them', () => {
    const x = tf.tensor([1, 2, 3]);
    expect(() => gradcheck((t) => t, [x], { mode: 'sideways' as 'fast' })).toThrow(/options\.mode/);
    expect(() => gradcheck((t) => t, [x], { directions: 0 })).toThrow(/options\.directions/);
    expect(() => gradcheck((t) => t, [x], { resolution: -1 })).toThrow(/options\.resolution/);
    x.dispose();
  });
});

describe('kinks: detected and stepped around, never a false failure', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const atKinks = (): tf.Tensor => tf.tensor([[0, 1.5, -0.3, 0], [2, 0, -1, 0.7]]);

  for (const mode of ['fast', 'per-coordinate'] as const) {
    it(`${mode}: relu and abs at 0, max with ties pass, with the kinks re-checked and counted`, () => {
      const x = atKinks();
      const tie = tf.tensor([[1, 3, 3, -2], [0.5, 0.5, 0.1, 0.2]]);
      for (const [fn, input] of [[tf.relu, x], [tf.abs, x], [(t: tf.Tensor) => tf.max(t, 1), tie]] as const) {
        const result = gradcheck(fn, [input], { mode });
        expect(result.pass).toBe(true);
        expect(result.inputs[0].kinks).toBeGreaterThan(0);
        expect(result.inputs[0].checked).toBe(8);
      }
      tf.dispose([x, tie]);
    });

    it(`${mode}: a relu gradient 1 % too large still fails at the kinks`, () => {
      const x = atKinks();
      const bad = tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const t = args[0] as tf.Tensor;
        (args[1] as tf.GradSaveFunc)([t]);
        return { value: tf.relu(t), gradFunc: (dy: tf.Tensor | tf.Tensor[], [s]: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.mul(1.01, tf.step(s))) };
      });
      const result = gradcheck(bad, [x], { mode });
      expect(result.pass).toBe(false);
      // The four positive entries (flat 1, 4, 7) fail; the zeros cannot be judged at the kink itself.
      expect(result.inputs[0].failingIndices).toEqual(expect.arrayContaining([1, 4, 7]));
      x.dispose();
    });
  }

  it('fast mode over 2000 relu inputs (kinks along every direction) passes piecewise, covering every coordinate', () => {
    const x = tf.randomNormal([50, 40], 0, 1, 'float32', 3);
    const result = gradcheck((t) => tf.relu(t), [x]);
    expect(result.pass).toBe(true);
    expect(result.inputs[0].checked).toBeGreaterThan(1900);
    x.dispose();
  });
});

describe('fast mode cost (evaluations of f, not time)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('covers a 784×1000 weight in under 200 evaluations, where per coordinate each coordinate alone takes ≥ 20', () => {
    const x = tf.randomUniform([1, 784], 0, 1, 'float32', 20);
    const w = tf.randomNormal([784, 1000], 0, 0.036, 'float32', 21);
    const fn = (weight: tf.Tensor): tf.Tensor => tf.tanh(tf.matMul(x, weight));
    const fast = gradcheck(fn, [w], { name: 'layer' });
    expect(fast.pass).toBe(true);
    expect(fast.inputs[0].checked).toBe(784_000);
    expect(fast.evaluations).toBeLessThan(200);
    const perCoordinate = gradcheck(fn, [w], { name: 'layer', mode: 'per-coordinate', maxCoordinates: 4 });
    expect(perCoordinate.pass).toBe(true);
    expect(perCoordinate.inputs[0].checked).toBe(4);
    const perCoordinateEach = perCoordinate.evaluations / 4;
    expect(perCoordinateEach).toBeGreaterThanOrEqual(20);
    // Every coordinate one by one would take ≥ 784 000 × 20 evaluations: ≥ 10⁴× the fast mode's.
    expect((784_000 * perCoordinateEach) / fast.evaluations).toBeGreaterThan(1e4);
    tf.dispose([x, w]);
  });

  it('resolution 1e-3 refines a 784×1000 weight by blocks and names the one coordinate off by 0.1 % of max|g| that the default 1e-2 passes', () => {
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 22);
    const w = tf.randomNormal([784, 1000], 0, 0.036, 'float32', 23);
    const planted = 80_033;
    const fn = tanhLayer(x, (g) => (g[planted] += 0.001 * g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    const coarse = gradcheck(fn, [w], { name: 'layer', maxFailing: 1 });
    expect(coarse.pass).toBe(true);
    expect(coarse.inputs[0].resolution).toBeGreaterThan(1e-3); // what the row prints: it cannot see 0.1 % here
    const fine = gradcheck(fn, [w], { name: 'layer', maxFailing: 1, resolution: 1e-3 });
    expect(fine.pass).toBe(false);
    expect(fine.inputs[0].failingIndices).toEqual([planted]);
    expect(fine.evaluations).toBeLessThan(20_000);
    tf.dispose([x, w]);
  });
});

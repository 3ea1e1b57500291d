/**
 * Ordinary differentiable functions with hand-written gradients (tf.customGrad), the material of
 * the checker's self-test: each has its forward pass, a correct vector–Jacobian product, and the
 * function-specific slips a person writing that gradient makes (a missing term, a reduction over
 * the wrong axis).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.js';

/** Gradients for each input, given the upstream dy, the inputs and the output. */
export type Vjp = (dy: tf.Tensor, xs: tf.Tensor[], y: tf.Tensor) => tf.Tensor[];

export interface PlantedFunction {
  name: string;
  inputNames: string[];
  /** Seeded inputs in the function's domain. */
  inputs: (rng: Rng) => tf.Tensor[];
  forward: (...xs: tf.Tensor[]) => tf.Tensor;
  vjp: Vjp;
  /** Function-specific wrong gradients: a term left out, a reduction over the wrong axis… */
  slips: Record<string, Vjp>;
}

function uniform(rng: Rng, shape: number[], lo: number, hi: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape);
}

function normal(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())),
    shape,
  );
}

/** Values of |v| in [lo, hi] with random signs: keeps a denominator away from zero. */
function awayFromZero(rng: Rng, shape: number[], lo: number, hi: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng())), shape);
}

const sigmoid = (x: tf.Tensor): tf.Tensor => tf.sigmoid(x);

/** Row-wise layer normalisation without affine parameters: (x − μ) / √(σ² + ε). */
const LN_EPS = 1e-3;
function layerNorm(x: tf.Tensor): tf.Tensor {
  const mu = tf.mean(x, -1, true);
  const centered = tf.sub(x, mu);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.div(centered, tf.sqrt(tf.add(variance, LN_EPS)));
}

export const PLANTED_FUNCTIONS: PlantedFunction[] = [
  {
    name: 'tanh',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [6, 5])],
    forward: (x) => tf.tanh(x),
    vjp: (dy, _, y) => [tf.mul(dy, tf.sub(1, tf.square(y)))],
    slips: {
      'derivative factor missing': (dy) => [dy],
      'uses x for tanh(x)': (dy, [x]) => [tf.mul(dy, tf.sub(1, tf.square(x)))],
    },
  },
  {
    name: 'swish',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [5, 6], 1.5)],
    forward: (x) => tf.mul(x, sigmoid(x)),
    vjp: (dy, [x]) => {
      const s = sigmoid(x);
      return [tf.mul(dy, tf.add(s, tf.mul(x, tf.mul(s, tf.sub(1, s)))))];
    },
    slips: { 'missing x·σ′ term': (dy, [x]) => [tf.mul(dy, sigmoid(x))] },
  },
  {
    name: 'log-softmax',
    inputNames: ['z'],
    inputs: (rng) => [normal(rng, [4, 7], 2)],
    forward: (z) => tf.logSoftmax(z),
    vjp: (dy, _, y) => [tf.sub(dy, tf.mul(tf.exp(y), tf.sum(dy, -1, true)))],
    slips: {
      'missing −p·Σdy term': (dy) => [dy],
      'Σdy over the wrong axis': (dy, _, y) => [tf.sub(dy, tf.mul(tf.exp(y), tf.sum(dy, 0, true)))],
    },
  },
  {
    name: 'matmul',
    inputNames: ['a', 'b'],
    inputs: (rng) => [normal(rng, [5, 5]), normal(rng, [5, 4])],
    forward: (a, b) => tf.matMul(a, b),
    vjp: (dy, [a, b]) => [tf.matMul(dy, b, false, true), tf.matMul(a, dy, true, false)],
    slips: { 'dB = A·dY (A not transposed)': (dy, [a, b]) => [tf.matMul(dy, b, false, true), tf.matMul(a, dy)] },
  },
  {
    name: 'softplus',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [7, 4], 2)],
    forward: (x) => tf.softplus(x),
    vjp: (dy, [x]) => [tf.mul(dy, sigmoid(x))],
    slips: { 'exp(x) for σ(x)': (dy, [x]) => [tf.mul(dy, tf.div(tf.exp(x), tf.add(1, tf.exp(tf.neg(x)))))] },
  },
  {
    name: 'sum of squares',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [4, 6])],
    forward: (x) => tf.sum(tf.square(x)),
    vjp: (dy, [x]) => [tf.mul(dy, tf.mul(2, x))],
    slips: { 'missing factor 2': (dy, [x]) => [tf.mul(dy, x)] },
  },
  {
    name: 'cubic',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [3, 8])],
    forward: (x) => tf.sub(tf.pow(x, 3), tf.mul(2, x)),
    vjp: (dy, [x]) => [tf.mul(dy, tf.sub(tf.mul(3, tf.square(x)), 2))],
    slips: { 'missing −2 term': (dy, [x]) => [tf.mul(dy, tf.mul(3, tf.square(x)))] },
  },
  {
    name: 'layernorm',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [4, 8], 2)],
    forward: layerNorm,
    // dx = (dy − mean(dy) − ŷ·mean(dy ⊙ ŷ)) / √(σ² + ε)
    vjp: (dy, [x], y) => {
      const mu = tf.mean(x, -1, true);
      const sd = tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(x, mu)), -1, true), LN_EPS));
      return [tf.div(tf.sub(tf.sub(dy, tf.mean(dy, -1, true)), tf.mul(y, tf.mean(tf.mul(dy, y), -1, true))), sd)];
    },
    slips: {
      'missing ŷ·mean(dy·ŷ) term': (dy, [x]) => {
        const mu = tf.mean(x, -1, true);
        const sd = tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(x, mu)), -1, true), LN_EPS));
        return [tf.div(tf.sub(dy, tf.mean(dy, -1, true)), sd)];
      },
    },
  },
  {
    name: 'division',
    inputNames: ['a', 'b'],
    inputs: (rng) => [normal(rng, [5, 4]), awayFromZero(rng, [5, 4], 0.5, 2)],
    forward: (a, b) => tf.div(a, b),
    vjp: (dy, [a, b]) => [tf.div(dy, b), tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))],
    slips: { 'db missing its minus sign': (dy, [a, b]) => [tf.div(dy, b), tf.div(tf.mul(dy, a), tf.square(b))] },
  },
  {
    name: 'exp',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [6, 4])],
    forward: (x) => tf.exp(x),
    vjp: (dy, _, y) => [tf.mul(dy, y)],
    slips: { 'exp(x)·x': (dy, [x], y) => [tf.mul(dy, tf.mul(y, x))] },
  },
  {
    name: 'bias add',
    inputNames: ['x', 'b'],
    inputs: (rng) => [normal(rng, [6, 6]), normal(rng, [6], 0.5)],
    forward: (x, b) => tf.mul(tf.add(x, b), tf.add(x, b)),
    vjp: (dy, [x, b]) => {
      const g = tf.mul(dy, tf.mul(2, tf.add(x, b)));
      return [g, tf.sum(g, 0)];
    },
    slips: {
      'db summed over the wrong axis': (dy, [x, b]) => {
        const g = tf.mul(dy, tf.mul(2, tf.add(x, b)));
        return [g, tf.sum(g, 1)];
      },
      'db a mean instead of a sum': (dy, [x, b]) => {
        const g = tf.mul(dy, tf.mul(2, tf.add(x, b)));
        return [g, tf.mean(g, 0)];
      },
    },
  },
  {
    name: 'dense tanh',
    inputNames: ['x', 'w', 'b'],
    inputs: (rng) => [normal(rng, [4, 5]), normal(rng, [5, 3], 0.5), normal(rng, [3], 0.2)],
    forward: (x, w, b) => tf.tanh(tf.add(tf.matMul(x, w), b)),
    vjp: (dy, [x, w], y) => {
      const g = tf.mul(dy, tf.sub(1, tf.square(y)));
      return [tf.matMul(g, w, false, true), tf.matMul(x, g, true, false), tf.sum(g, 0)];
    },
    slips: {
      'db not reduced over the batch (first row)': (dy, [x, w], y) => {
        const g = tf.mul(dy, tf.sub(1, tf.square(y)));
        return [tf.matMul(g, w, false, true), tf.matMul(x, g, true, false), tf.reshape(tf.slice(g, [0, 0], [1, 3]), [3])];
      },
      'tanh′ left out of dW': (dy, [x, w], y) => {
        const g = tf.mul(dy, tf.sub(1, tf.square(y)));
        return [tf.matMul(g, w, false, true), tf.matMul(x, dy, true, false), tf.sum(g, 0)];
      },
    },
  },
  {
    name: 'mse',
    inputNames: ['a', 'b'],
    inputs: (rng) => [normal(rng, [5, 3]), normal(rng, [5, 3])],
    forward: (a, b) => tf.mean(tf.square(tf.sub(a, b))),
    vjp: (dy, [a, b]) => {
      const g = tf.mul(dy, tf.mul(2 / a.size, tf.sub(a, b)));
      return [g, tf.neg(g)];
    },
    slips: {
      'missing 1/N': (dy, [a, b]) => {
        const g = tf.mul(dy, tf.mul(2, tf.sub(a, b)));
        return [g, tf.neg(g)];
      },
    },
  },
  {
    name: 'log-sum-exp',
    inputNames: ['z'],
    inputs: (rng) => [normal(rng, [5, 6], 2)],
    forward: (z) => tf.logSumExp(z, -1),
    vjp: (dy, [z], y) => [tf.mul(tf.expandDims(dy, -1), tf.exp(tf.sub(z, tf.expandDims(y, -1))))],
    slips: { 'softmax over the wrong axis': (dy, [z]) => [tf.mul(tf.expandDims(dy, -1), tf.softmax(tf.transpose(z)).transpose())] },
  },
  {
    name: 'row normalise',
    inputNames: ['x'],
    inputs: (rng) => [normal(rng, [3, 6])],
    forward: (x) => tf.div(x, tf.norm(x, 'euclidean', -1, true)),
    // y = x/‖x‖: dx = (dy − y·(y·dy)) / ‖x‖
    vjp: (dy, [x], y) => [tf.div(tf.sub(dy, tf.mul(y, tf.sum(tf.mul(y, dy), -1, true))), tf.norm(x, 'euclidean', -1, true))],
    slips: { 'missing projection term': (dy, [x]) => [tf.div(dy, tf.norm(x, 'euclidean', -1, true))] },
  },
  {
    name: 'log',
    inputNames: ['x'],
    inputs: (rng) => [uniform(rng, [4, 5], 0.2, 3)],
    forward: (x) => tf.log(x),
    vjp: (dy, [x]) => [tf.div(dy, x)],
    slips: { '1/x² for 1/x': (dy, [x]) => [tf.div(dy, tf.square(x))] },
  },
];

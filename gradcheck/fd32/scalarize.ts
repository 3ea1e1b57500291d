/**
 * A tfjs function made scalar for checking: f(xs) = Σ_o Σ c_o ⊙ fn(xs)_o, with seeded normal
 * cotangents c_o (one per output), accumulated in float64. tf.grads of f through fn's registered
 * gradients is the analytic side; f's values at perturbed fp32 inputs are the numeric side.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng, normals } from '../random.js';

/** Any tfjs function of tensors, with one or several outputs. */
export type TensorFunction = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export interface Scalarized {
  shapes: number[][];
  /** Each input's fp32 values at the base point (copies). */
  base: Float32Array[];
  outputShapes: number[][];
  /** f at the base point. */
  value0: number;
  /** √Σ (c ⊙ y)² at the base point: the size of f's terms. */
  termNorm: number;
  /** f with input k's values replaced by `values`. */
  valueWith(k: number, values: Float32Array): number;
  /**
   * f with input k's values replaced by each of `list`, in as few read-backs as memory allows (one
   * for small tensors): the same values valueWith gives. Counts nothing: the caller adds to
   * counts.evaluations the values it uses.
   */
  valuesWith(k: number, list: readonly Float32Array[]): number[];
  /**
   * ∂f/∂x_k for every k in wrt (zeros where f does not depend on x_k), at the base point or with
   * input `replace.k` replaced. Throws what fn's gradients throw (a shape mismatch, say).
   */
  gradientsWith(wrt: readonly number[], replace?: { k: number; values: Float32Array }): Float32Array[];
  /** Forward evaluations and backward passes so far. */
  counts: { evaluations: number; backward: number };
}

function asList(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/** Most fp32 values one batched read-back may hold (16 MB); larger batches are read in parts. */
const MAX_READ_BACK_VALUES = 1 << 22;

/**
 * Step levels a line evaluates ahead of need on `backend` (LineSettings.lookahead): on webgl and
 * webgpu a read-back is a GPU sync costing far more than evaluating f on small inputs (webgpu's
 * readSync copies through canvases); elsewhere none, so that no evaluation is wasted.
 */
export function lookaheadFor(backend: string): number {
  return backend === 'webgl' || backend === 'webgpu' ? 4 : 0;
}

function checkOutputs(outputs: tf.Tensor[]): void {
  if (outputs.length === 0) throw new Error('gradcheck: the function returned no tensor');
  outputs.forEach((o, i) => {
    if (!(o instanceof tf.Tensor)) throw new Error(`gradcheck: output ${i} is not a tensor`);
    if (o.dtype !== 'float32') throw new Error(`gradcheck: output ${i} has dtype ${o.dtype}; only float32 outputs can be differentiated`);
  });
}

export function scalarize(fn: TensorFunction, inputs: tf.Tensor[], seed: number, stream: string): Scalarized {
  const shapes = inputs.map((t) => t.shape.slice());
  const base = inputs.map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
  const counts = { evaluations: 0, backward: 0 };

  const firstOutputs = tf.tidy(() => asList(fn(...inputs)));
  counts.evaluations++;
  let first: Float64Array[];
  let outputShapes: number[][];
  try {
    checkOutputs(firstOutputs);
    first = firstOutputs.map((o) => Float64Array.from(o.dataSync()));
    outputShapes = firstOutputs.map((o) => o.shape.slice());
  } finally {
    tf.dispose(firstOutputs);
  }
  const rng = makeRng(seed, `${stream}-cotangent`);
  const cotangents = first.map((values) => normals(values.length, rng));

  const outputSizes = cotangents.map((c) => c.length);
  const outputSize = outputSizes.reduce((a, b) => a + b, 0);

  /** fn's outputs at one point, checked against the first call's and flattened into one fp32 vector. */
  const flatOutputs = (outs: tf.Tensor[]): tf.Tensor => {
    if (outs.length !== cotangents.length) throw new Error(`gradcheck: the function returned ${outs.length} outputs, first ${cotangents.length}`);
    outs.forEach((o, n) => {
      if (o.size !== outputSizes[n]) throw new Error(`gradcheck: output ${n} has ${o.size} values, first ${outputSizes[n]}`);
    });
    const flat = outs.map((o) => tf.reshape(o.dtype === 'float32' ? o : tf.cast(o, 'float32'), [-1]));
    return flat.length === 1 ? flat[0] : tf.concat(flat);
  };

  /** Σ_n Σ_i c_n[i]·y_n[i] in float64 over one point's flattened outputs, starting at `offset` of `y`. */
  const weigh = (y: ArrayLike<number>, offset: number): number => {
    let sum = 0;
    let at = offset;
    for (const c of cotangents) {
      for (let i = 0; i < c.length; i++) sum += c[i] * y[at + i];
      at += c.length;
    }
    return sum;
  };

  let value0 = 0;
  let termSquares = 0;
  first.forEach((y, n) => {
    for (let i = 0; i < y.length; i++) {
      value0 += cotangents[n][i] * y[i];
      termSquares += (cotangents[n][i] * y[i]) ** 2;
    }
  });

  const withReplaced = (k: number, values: Float32Array): tf.Tensor[] => {
    const all = inputs.slice();
    all[k] = tf.tensor(values, shapes[k], 'float32');
    return all;
  };

  const valuesWith = (k: number, list: readonly Float32Array[]): number[] => {
    // Each read-back is a GPU sync (webgpu's readSync copies through canvases): the points' outputs are read back together.
    const perRead = Math.max(1, Math.floor(MAX_READ_BACK_VALUES / Math.max(outputSize, base[k].length)));
    const values: number[] = [];
    for (let from = 0; from < list.length; from += perRead) {
      const part = list.slice(from, from + perRead);
      const joined = tf.tidy(() => {
        const points = part.map((x) => tf.tidy(() => flatOutputs(asList(fn(...withReplaced(k, x))))));
        return points.length === 1 ? points[0] : tf.concat(points);
      });
      try {
        const y = joined.dataSync();
        part.forEach((_, p) => values.push(weigh(y, p * outputSize)));
      } finally {
        joined.dispose();
      }
    }
    return values;
  };

  return {
    shapes,
    base,
    outputShapes,
    value0,
    termNorm: Math.sqrt(termSquares),
    valueWith(k, values) {
      counts.evaluations++;
      return valuesWith(k, [values])[0];
    },
    valuesWith,
    gradientsWith(wrt, replace) {
      counts.backward++;
      const grads = tf.tidy(() => {
        const all = replace === undefined ? inputs.slice() : withReplaced(replace.k, replace.values);
        const xs = wrt.map((k) => all[k]);
        const cts = cotangents.map((c, n) => tf.tensor(c, outputShapes[n], 'float32'));
        const f = (): tf.Scalar => {
          const outs = asList(fn(...all));
          return tf.addN(outs.map((o, n) => tf.sum(tf.mul(o, cts[n])))) as tf.Scalar;
        };
        // allowNoGradients: an input f does not reach has gradient zero, which the differences then judge.
        const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
        value.dispose();
        return grads.map((g, j) => (g == null ? tf.zerosLike(xs[j]) : g));
      });
      try {
        return grads.map((g, j) => {
          const k = wrt[j];
          if (!tf.util.arraysEqual(g.shape, shapes[k])) throw new Error(`gradcheck: the gradient of input ${k} has shape [${g.shape.join(', ')}], the input [${shapes[k].join(', ')}]`);
          return Float32Array.from(g.dataSync() as ArrayLike<number>);
        });
      } finally {
        tf.dispose(grads);
      }
    },
    counts,
  };
}

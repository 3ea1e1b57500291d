/**
 * gradgradcheck(fn, inputs, options): second-order gradients of any tfjs function, checked the
 * way torch.autograd.gradgradcheck does — by running gradcheck on the first-order gradient
 * function G(xs, c) = ∂/∂xs Σ c ⊙ fn(xs), whose own gradient tfjs computes by differentiating
 * through fn's gradients (tf.grads nested). The cotangent c is an input of G, as in PyTorch
 * (grad_outputs are differentiated too), so G's gradient with respect to c checks that the
 * first-order gradient is linear in the upstream gradient as it must be.
 */
import * as tf from '@tensorflow/tfjs';
import { gradcheck, type GradcheckOptions } from './gradcheck.js';
import type { TensorFunction } from './fd32/scalarize.js';
import { makeRng, normals } from './random.js';
import type { GradcheckResult } from './result.js';

export type GradgradcheckOptions = Omit<GradcheckOptions, 'reference' | 'tolerance' | 'reductionTerms' | 'wrt'> & {
  /** Which of fn's inputs to differentiate twice; default every float32 input. */
  wrt?: number[];
};

function asList(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/**
 * Checks the second derivatives of fn: differentiates G(xs, c) = ∂(Σ c ⊙ fn(xs))/∂xs with respect
 * to xs and c. Rows are named "<name> 2nd order ∂/∂<input>" and "… ∂/∂dy<k>" for the cotangents.
 */
export function gradgradcheck(fn: TensorFunction, inputs: tf.Tensor[], options: GradgradcheckOptions = {}): GradcheckResult {
  if (inputs.length === 0) throw new Error('gradgradcheck: inputs must hold at least one tensor');
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  for (const i of wrt) {
    if (!Number.isInteger(i) || i < 0 || i >= inputs.length) throw new Error(`gradgradcheck: options.wrt has ${i}, but there are ${inputs.length} inputs`);
    if (inputs[i].dtype !== 'float32') throw new Error(`gradgradcheck: input ${i} has dtype ${inputs[i].dtype}; only float32 inputs can be differentiated`);
  }
  if (wrt.length === 0) throw new Error('gradgradcheck: no float32 input to differentiate');
  const name = options.name ?? 'fn';
  const inputNames = options.inputNames ?? inputs.map((_, i) => `x${i}`);
  const outputShapes = tf.tidy(() => asList(fn(...inputs)).map((o) => o.shape.slice()));
  const rng = makeRng(options.seed ?? 0, `${name}-gradgrad-upstream`);
  const upstream = outputShapes.map((shape) => tf.tensor(normals(shape.reduce((a, b) => a * b, 1), rng), shape, 'float32'));
  const n = inputs.length;
  // G(xs…, c…) = ∂/∂x_wrt Σ_o c_o ⊙ fn(xs)_o: first order, by tf's own differentiation of fn.
  const firstOrder = (...args: tf.Tensor[]): tf.Tensor[] => {
    const xs = args.slice(0, n);
    const cs = args.slice(n);
    const f = (...chosen: tf.Tensor[]): tf.Scalar => {
      const all = xs.slice();
      wrt.forEach((k, j) => (all[k] = chosen[j]));
      const outs = asList(fn(...all));
      return tf.addN(outs.map((o, m) => tf.sum(tf.mul(o, cs[m])))) as tf.Scalar;
    };
    const { value, grads } = tf.engine().gradients(() => f(...wrt.map((k) => xs[k])), wrt.map((k) => xs[k]), undefined, true);
    value.dispose();
    return grads.map((g, j) => (g == null ? tf.zerosLike(xs[wrt[j]]) : g));
  };
  try {
    return gradcheck(firstOrder, [...inputs, ...upstream], {
      ...options,
      name: `${name} 2nd order`,
      inputNames: [...inputNames, ...upstream.map((_, m) => (upstream.length === 1 ? 'dy' : `dy${m}`))],
      wrt: [...wrt, ...upstream.map((_, m) => n + m)],
    });
  } finally {
    tf.dispose(upstream);
  }
}

/**
 * What the audit compares for one case on one backend, computed by tfjs's own differentiation:
 *
 *   forward    y = fn(xs)
 *   first      ∂/∂x Σ dy ⊙ y                                   (one array per differentiated input)
 *   secondX    ∂/∂x Σ_k c_k ⊙ G_k,  G = ∂/∂x Σ dy ⊙ y          (tf.grads nested)
 *   secondDy   ∂/∂dy Σ_k c_k ⊙ G_k                             (one array per output)
 *
 * Each part is computed on its own, so that a gradient which throws leaves the forward values.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorFunction } from '../fd32/scalarize.js';
import { firstLine } from './text.js';

export interface Quantities {
  forward?: Float32Array[];
  outputShapes?: number[][];
  first?: Float32Array[];
  secondX?: Float32Array[];
  secondDy?: Float32Array[];
  /** Why a part is missing. */
  errors: { forward?: string; first?: string; second?: string };
}

/** The prefix of errors.second when the first order threw and the second was not tried. */
export const FIRST_THROWS = 'the first derivative throws: ';

const asList = (out: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(out) ? out : [out]);

const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));

/** Σ_o Σ w_o ⊙ t_o as a scalar. */
function weighted(ts: tf.Tensor[], ws: tf.Tensor[]): tf.Scalar {
  return tf.addN(ts.map((t, o) => tf.sum(tf.mul(t, ws[o])))) as tf.Scalar;
}

/** ∂/∂x_wrt Σ dy ⊙ fn(xs), zeros where fn does not reach an input (as tf.grads with allowNoGradients). */
function firstOrder(fn: TensorFunction, xs: tf.Tensor[], wrt: number[], dy: tf.Tensor[]): tf.Tensor[] {
  const f = (): tf.Scalar => weighted(asList(fn(...xs)), dy);
  const { value, grads } = tf.engine().gradients(f, wrt.map((k) => xs[k]), undefined, true);
  value.dispose();
  return grads.map((g, j) => g ?? tf.zerosLike(xs[wrt[j]]));
}

/**
 * The four parts for inputs `values` (made as tensors on the active backend); `dy` (per output) weighs
 * the first order, `upstream` (per output) and `c` (per wrt) the second.
 */
export function quantities(fn: TensorFunction, values: { data: Float32Array | Int32Array; shape: number[]; dtype: tf.DataType }[], wrt: number[], dy: Float32Array[], upstream: Float32Array[], c: Float32Array[]): Quantities {
  const errors: Quantities['errors'] = {};
  const xs = values.map((v) => tf.tensor(v.data, v.shape, v.dtype));
  const out: Quantities = { errors };
  try {
    try {
      tf.tidy(() => {
        const ys = asList(fn(...xs));
        out.forward = read(ys);
        out.outputShapes = ys.map((y) => y.shape.slice());
      });
    } catch (error) {
      errors.forward = firstLine(error);
      return out;
    }
    const shapes = out.outputShapes!;
    try {
      tf.tidy(() => {
        const dys = dy.map((d, o) => tf.tensor(d, shapes[o], 'float32'));
        out.first = read(firstOrder(fn, xs, wrt, dys));
      });
    } catch (error) {
      errors.first = firstLine(error);
      errors.second = `${FIRST_THROWS}${errors.first}`;
      return out;
    }
    try {
      tf.tidy(() => {
        const dys = upstream.map((d, o) => tf.tensor(d, shapes[o], 'float32'));
        const cs = c.map((v, j) => tf.tensor(v, xs[wrt[j]].shape, 'float32'));
        const sources = [...wrt.map((k) => xs[k]), ...dys];
        const s = (): tf.Scalar => {
          const chosen = sources.slice(0, wrt.length);
          const all = xs.slice();
          wrt.forEach((k, j) => (all[k] = chosen[j]));
          return weighted(firstOrder(fn, all, wrt, sources.slice(wrt.length)), cs);
        };
        const { value, grads } = tf.engine().gradients(s, sources, undefined, true);
        value.dispose();
        const filled = grads.map((g, j) => g ?? tf.zerosLike(sources[j]));
        const all = read(filled);
        out.secondX = all.slice(0, wrt.length);
        out.secondDy = all.slice(wrt.length);
      });
    } catch (error) {
      errors.second = firstLine(error);
    }
    return out;
  } finally {
    tf.dispose(xs);
  }
}

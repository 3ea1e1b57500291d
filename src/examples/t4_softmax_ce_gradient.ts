/**
 * hw4 T4: ∂L/∂z of the softmax cross-entropy equals (p − y)/N for a batch mean.
 * Checked on seeded random logits and one-hot labels from three sides: our registered
 * gradient (tf.grad through manualSoftmaxCrossEntropy), tf.grad of tf.losses.softmaxCrossEntropy,
 * and float64 central finite differences, against (p − y)/N evaluated in float64.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { standardNormal } from '../../gradcheck/random.js';
import { manualSoftmaxCrossEntropy } from '../../custom-ops/index.js';
import { FP32_VS_FLOAT64, numericRow } from './agreement.js';
import { centralDifference, crossEntropy, crossEntropyGrad, type Mat64, mat64 } from '../reference/index.js';
import type { ExampleTask } from './types.js';

/**
 * Central differences with h = 1e-6 carry a rounding error of about ε64·|L|/h ≈ 1e-10
 * (truncation h²·|L'''| is smaller still); relative to entries of (p − y)/N that are ≥ 1e-5
 * that is ≤ 1e-5, and smaller entries fall under the atol of the metric.
 */
export const FD_VS_ANALYTIC = 1e-5;

type Matrix = number[][];

function toRows(m: Mat64): Matrix {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

export interface T4Problem {
  /** float32-representable values, so the float64 reference sees exactly what the tensors hold. */
  logits: Matrix;
  labels: Matrix;
  classes: number[];
}

/** Logits ~ 2·N(0, 1) and uniformly drawn classes, from a seeded PRNG. */
export function t4Problem(rows: number, classes: number, seed: number): T4Problem {
  const rng = seedrandom(`handgrad-hw4-t4-${seed}`);
  const logits = Array.from({ length: rows }, () => Array.from({ length: classes }, () => Math.fround(2 * standardNormal(rng))));
  const picked = Array.from({ length: rows }, () => Math.floor(rng() * classes));
  const labels = picked.map((c) => Array.from({ length: classes }, (_, k) => (k === c ? 1 : 0)));
  return { logits, labels, classes: picked };
}

type LossFn = (labels: tf.Tensor2D, logits: tf.Tensor2D) => tf.Scalar;

/** L and tf.grad(L) w.r.t. the logits, in float32, for one implementation of the loss. */
function lossAndGrad(problem: T4Problem, lossFn: LossFn): { loss: number; grad: Matrix } {
  return tf.tidy(() => {
    const labels = tf.tensor2d(problem.labels);
    const logits = tf.tensor2d(problem.logits);
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor2D) => lossFn(labels, z))(logits);
    return { loss: value.dataSync()[0], grad: grad.arraySync() };
  });
}

export function runT4(rows = 8, classes = 5, seed = 421): ExampleTask {
  const problem = t4Problem(rows, classes, seed);
  const registered = lossAndGrad(problem, (y, z) => manualSoftmaxCrossEntropy(y, z));
  const builtin = lossAndGrad(problem, (y, z) => tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(y, z));
  const y64 = mat64(rows, classes, problem.labels.flat());
  const z64 = mat64(rows, classes, problem.logits.flat());
  const loss64 = crossEntropy(y64, z64);
  const expected = toRows(crossEntropyGrad(y64, z64)); // (P − Y)/N in float64
  const fd = centralDifference((z) => crossEntropy(y64, mat64(rows, classes, z)), z64.data, [...z64.data.keys()]);
  const finiteDifference = toRows(mat64(rows, classes, fd));
  const builtinName = 'tf.losses.softmaxCrossEntropy';
  return {
    task: 'T4',
    title: 'softmax cross-entropy derivative: ∂L/∂z = (p − y)/N for the batch mean L',
    inputs: {
      logits: `${rows}×${classes}, 2·N(0, 1), seed ${seed}`,
      labels: `one-hot, classes [${problem.classes.join(', ')}]`,
      L: '(1/N) Σ_n (logsumexp(z_n) − Σ_k y_nk z_nk)',
    },
    tolerance:
      `fp32 columns within ${FP32_VS_FLOAT64.toExponential()} relative of the float64 value (policy: fp32 vs float64 reference); ` +
      `float64 central differences (h = 1e-6·max(1, |z|)) within ${FD_VS_ANALYTIC.toExponential()}; atol = 1e-6·max|expected|`,
    rows: [
      numericRow('T4', 'L', loss64, registered.loss, { [builtinName]: builtin.loss }, FP32_VS_FLOAT64),
      numericRow('T4', `∂L/∂z (${rows}×${classes}) = (p − y)/N`, expected, registered.grad, { [builtinName]: builtin.grad }, FP32_VS_FLOAT64, {
        value: finiteDifference,
        tolerance: FD_VS_ANALYTIC,
      }),
    ],
  };
}

/**
 * The multi-layer perceptron of the homework, generalised to any depth, row-major:
 *   X: N×F, W_l: in×out, b_l: [out], H_0 = X
 *   hidden layer l:  R_l = H_{l−1}·W_l + b_l,  H_l = relu(R_l)
 *   output layer L:  Z = H_{L−1}·W_L + b_L,    P = softmax(Z) row-wise
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { standardNormal } from '../../gradcheck/random.js';
import { manualRelu, manualSoftmax } from '../../custom-ops/index.js';

export interface MlpParams {
  /** W_l: in×out, l = 1..L. */
  weights: tf.Tensor2D[];
  /** b_l: [out], l = 1..L. */
  biases: tf.Tensor1D[];
}

export interface ForwardPass {
  /** The input of each layer: H_0 = X, H_1, …, H_{L−1}. */
  inputs: tf.Tensor2D[];
  /** The hidden pre-activations R_1, …, R_{L−1} (the output layer has none: its R is Z). */
  preActivations: tf.Tensor2D[];
  /** Z = H_{L−1}·W_L + b_L. */
  logits: tf.Tensor2D;
}

/** [F, hidden…, K] from the parameters' shapes. */
export function layerSizesOf(params: MlpParams): number[] {
  if (params.weights.length === 0) throw new Error('params: an MLP needs at least one layer');
  return [params.weights[0].shape[0], ...params.weights.map((w) => w.shape[1])];
}

/** Σ_l (in_l·out_l + out_l); e.g. [30, 1024, 512, 1] → 557057 (hw4 T3). */
export function parameterCount(layerSizes: readonly number[]): number {
  checkLayerSizes(layerSizes);
  let count = 0;
  for (let l = 1; l < layerSizes.length; l++) count += layerSizes[l - 1] * layerSizes[l] + layerSizes[l];
  return count;
}

function checkLayerSizes(layerSizes: readonly number[]): void {
  if (layerSizes.length < 2) throw new Error(`layerSizes: need at least [inputs, outputs], got [${layerSizes.join(', ')}]`);
  for (const size of layerSizes) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`layerSizes: every size must be a positive integer, got [${layerSizes.join(', ')}]`);
  }
}

/**
 * Xavier (Glorot) normal initialisation: W_l ~ N(0, 2/(fan_in + fan_out)), b_l = 0.
 * The numbers are drawn in JavaScript from a seeded PRNG (Box–Muller), so the same seed gives
 * the same float32 parameters on every backend.
 */
export function xavierInit(layerSizes: number[], seed: number): MlpParams {
  checkLayerSizes(layerSizes);
  if (!Number.isFinite(seed)) throw new Error(`seed: must be a finite number, got ${seed}`);
  const rng = seedrandom(`handgrad-xavier-${seed}`);
  const weights: tf.Tensor2D[] = [];
  const biases: tf.Tensor1D[] = [];
  for (let l = 1; l < layerSizes.length; l++) {
    const fanIn = layerSizes[l - 1];
    const fanOut = layerSizes[l];
    const std = Math.sqrt(2 / (fanIn + fanOut));
    const values = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < values.length; i++) values[i] = std * standardNormal(rng);
    weights.push(tf.tensor2d(values, [fanIn, fanOut], 'float32'));
    biases.push(tf.zeros<tf.Rank.R1>([fanOut], 'float32'));
  }
  return { weights, biases };
}

export function disposeParams(p: MlpParams): void {
  tf.dispose([...p.weights, ...p.biases]);
}

function checkInput(params: MlpParams, x: tf.Tensor2D): void {
  const sizes = layerSizesOf(params);
  if (x.rank !== 2) throw new Error(`x: expected a rank-2 N×${sizes[0]} tensor, got shape [${x.shape.join(', ')}]`);
  if (x.shape[1] !== sizes[0]) throw new Error(`x: expected ${sizes[0]} features per row, got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new Error(`x: expected dtype float32, got ${x.dtype}`);
}

/**
 * R = H·W + b, the homework's computeLayer, as one _FusedMatMul kernel: the bias is added while
 * the product is still in cache (native and wasm fuse it; elsewhere tfjs runs matMul then add).
 * With 'relu', H = relu(H_prev·W + b) in the same kernel (built-in relu; inference only).
 */
function affine(h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  return tf.fused.matMul({ a: h, b: w, bias: b, activation }) as tf.Tensor2D;
}

/**
 * R_l = H_{l−1}·W_l + b_l as both training forward passes compute it. The first layer is tf.matMul
 * + tf.add: tf.fused.matMul's gradient is a customGrad that computes the product's gradient for
 * every input, so under tf.grads it would also pay for ∂L/∂X of the data (10000×784×1000
 * multiply-adds per full-batch step), which matMul's gradient skips. Later layers are one fused
 * kernel. forwardManual and forwardBuiltin share it so that both round every R_l and Z alike (wasm's
 * fused and plain products sum in different orders) and manual vs autodiff compares the gradient
 * formulas, not two summation orders.
 */
function dense(params: MlpParams, h: tf.Tensor2D, l: number): tf.Tensor2D {
  const w = params.weights[l];
  const b = params.biases[l];
  // tidy frees the product as soon as the bias is added (outside tf.grads; there add's gradient keeps
  // it): one activation-sized array less alive, which the full-batch homework run counts in its RSS.
  return l === 0 ? tf.tidy(() => tf.add(tf.matMul(h, w), b)) : affine(h, w, b);
}

/**
 * The forward pass with our ManualRelu kernel, keeping what backprop needs.
 * The caller owns (and disposes, or tidies) every returned tensor.
 */
export function forwardManual(params: MlpParams, x: tf.Tensor2D): ForwardPass {
  checkInput(params, x);
  const L = params.weights.length;
  const inputs: tf.Tensor2D[] = [x];
  const preActivations: tf.Tensor2D[] = [];
  for (let l = 0; l < L - 1; l++) {
    const r = dense(params, inputs[l], l); //   R_l = H_{l−1}·W_l + b_l
    preActivations.push(r);
    inputs.push(manualRelu<tf.Tensor2D>(r)); //                        H_l = relu(R_l)
  }
  const logits = dense(params, inputs[L - 1], L - 1); // Z = H_{L−1}·W_L + b_L
  return { inputs, preActivations, logits };
}

/** The same forward pass from tfjs's built-in ops only (tf.relu), for tf.grads. */
export function forwardBuiltin(params: MlpParams, x: tf.Tensor2D): tf.Tensor2D {
  checkInput(params, x);
  return tf.tidy(() => {
    const L = params.weights.length;
    let h = x;
    for (let l = 0; l < L - 1; l++) h = tf.relu(dense(params, h, l));
    return dense(params, h, L - 1);
  });
}

/**
 * Z alone, by the cheapest forward pass: each hidden layer is one fused kernel
 * H_l = relu(H_{l−1}·W_l + b_l) (built-in relu, same numbers as ManualRelu), nothing kept for
 * backprop. For evaluation.
 */
export function forwardLogits(params: MlpParams, x: tf.Tensor2D): tf.Tensor2D {
  checkInput(params, x);
  return tf.tidy(() => {
    const L = params.weights.length;
    let h = x;
    for (let l = 0; l < L - 1; l++) h = affine(h, params.weights[l], params.biases[l], 'relu');
    return affine(h, params.weights[L - 1], params.biases[L - 1]);
  });
}

/** P = softmax(Z) row-wise, with our ManualSoftmax kernel. */
export function predictProbs(params: MlpParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => manualSoftmax<tf.Tensor2D>(forwardManual(params, x).logits));
}

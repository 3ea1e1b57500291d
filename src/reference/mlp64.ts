/**
 * The MLP, its loss and its analytic backprop in float64 — the same equations as
 * src/model/backprop.ts, composed from the checker's float64 pieces (gradcheck/reference):
 *   R_l = H_{l−1}·W_l + b_l, H_l = relu(R_l), Z = R_L, L = CE(Y, Z),
 *   G_L = (P − Y)/N, dW_l = H_{l−1}ᵀ·G_l, db_l = 1ᵀ·G_l, G_{l−1} = (G_l·W_lᵀ) ⊙ 1(R_{l−1} > 0).
 */
import { addBias, columnSums, crossEntropy, crossEntropyGrad, type Mat64, mat64, matmul, relu, reluGrad } from '../../gradcheck/reference/index.js';

export interface Mlp64 {
  /** W_l: in×out. */
  weights: Mat64[];
  /** b_l: out. */
  biases: Float64Array[];
}

export interface Forward64 {
  /** H_0 = X, …, H_{L−1}. */
  inputs: Mat64[];
  /** R_1, …, R_L (the last one is Z). */
  preActivations: Mat64[];
}

function reluMat(r: Mat64): Mat64 {
  return { rows: r.rows, cols: r.cols, data: relu(r.data) };
}

export function mlpForward64(params: Mlp64, x: Mat64): Forward64 {
  const inputs: Mat64[] = [x];
  const preActivations: Mat64[] = [];
  const L = params.weights.length;
  for (let l = 0; l < L; l++) {
    const r = addBias(matmul(inputs[l], params.weights[l]), params.biases[l]);
    preActivations.push(r);
    if (l < L - 1) inputs.push(reluMat(r));
  }
  return { inputs, preActivations };
}

/** The loss given the pre-activation of 0-based layer `layer`, running the layers after it. */
export function lossFromPreActivation64(params: Mlp64, layer: number, r: Mat64, y: Mat64): number {
  let z = r;
  for (let l = layer + 1; l < params.weights.length; l++) z = addBias(matmul(reluMat(z), params.weights[l]), params.biases[l]);
  return crossEntropy(y, z);
}

export function mlpLoss64(params: Mlp64, x: Mat64, y: Mat64): number {
  const { preActivations } = mlpForward64(params, x);
  return crossEntropy(y, preActivations[preActivations.length - 1]);
}

export interface Grads64 {
  dW: Mat64[];
  db: Float64Array[];
}

export interface Backprop64 {
  loss: number;
  grads: Grads64;
  /**
   * Σ|terms| behind each gradient element, |H_{l−1}|ᵀ·|G_l| and 1ᵀ·|G_l| — the scale of the
   * rounding error an fp32 computation of that element carries (Higham's bound for sums);
   * only when asked for.
   */
  magnitudes?: Grads64;
}

function absMat(m: Mat64): Mat64 {
  return { rows: m.rows, cols: m.cols, data: m.data.map(Math.abs) };
}

export function mlpBackprop64(params: Mlp64, x: Mat64, y: Mat64, withMagnitudes = false): Backprop64 {
  const { inputs: H, preActivations: R } = mlpForward64(params, x);
  const L = params.weights.length;
  const z = R[L - 1];
  const dW: Mat64[] = new Array<Mat64>(L);
  const db: Float64Array[] = new Array<Float64Array>(L);
  const magnitudes: Grads64 = { dW: new Array<Mat64>(L), db: new Array<Float64Array>(L) };
  let g = crossEntropyGrad(y, z); // G_L = (P − Y)/N
  for (let l = L - 1; l >= 0; l--) {
    dW[l] = matmul(H[l], g, true, false); // dW_l = H_{l−1}ᵀ·G_l
    db[l] = columnSums(g); //                db_l = 1ᵀ·G_l
    if (withMagnitudes) {
      const absG = absMat(g);
      magnitudes.dW[l] = matmul(absMat(H[l]), absG, true, false);
      magnitudes.db[l] = columnSums(absG);
    }
    if (l > 0) {
      const upstream = matmul(g, params.weights[l], false, true); // G_l·W_lᵀ
      g = mat64(upstream.rows, upstream.cols, reluGrad(upstream.data, R[l - 1].data)); // ⊙ 1(R_{l−1} > 0)
    }
  }
  return { loss: crossEntropy(y, z), grads: { dW, db }, ...(withMagnitudes ? { magnitudes } : {}) };
}

/**
 * f(k, δ) = loss with coordinate k of W_layer (or b_layer) moved by δ, for
 * centralDifferenceAt. Moving W_l[i, j] only moves column j of R_l by δ·H_{l−1}[:, i]
 * (and b_l[j] moves it by δ), so only the layers after `layer` are recomputed.
 */
export function mlpLossAlong64(params: Mlp64, x: Mat64, y: Mat64, layer: number, which: 'W' | 'b'): (k: number, delta: number) => number {
  const { inputs, preActivations } = mlpForward64(params, x);
  const h = inputs[layer];
  const base = preActivations[layer];
  const out = base.cols;
  return (k, delta) => {
    const r = mat64(base.rows, base.cols, base.data);
    const j = k % out;
    const i = Math.floor(k / out);
    for (let n = 0; n < r.rows; n++) r.data[n * out + j] += which === 'b' ? delta : delta * h.data[n * h.cols + i];
    return lossFromPreActivation64(params, layer, r, y);
  };
}

/** float64 references of the plugin's ops, in gradcheck's Float64Reference form, built from matrix.ts. */
import { rowLayout } from '../../custom-ops/util/row_layout.js';
import type { Float64Reference } from '../gradcheck.js';
import { crossEntropy, crossEntropyGrad, mat64, relu, reluGrad, softmaxRows } from './matrix.js';

function rowsAndCols(shape: number[]): [number, number] {
  const { rows, cols } = rowLayout(shape);
  return [rows, cols];
}

export const relu64: Float64Reference = ([x]) => relu(x);

export const softmax64: Float64Reference = ([logits], [shape]) => {
  const [rows, cols] = rowsAndCols(shape);
  return softmaxRows(mat64(rows, cols, logits)).data;
};

/** Inputs (labels, logits), as manualSoftmaxCrossEntropy takes them. */
export const softmaxCrossEntropy64: Float64Reference = ([labels, logits], [, shape]) => {
  const [rows, cols] = rowsAndCols(shape);
  return Float64Array.of(crossEntropy(mat64(rows, cols, labels), mat64(rows, cols, logits)));
};

/** (x, dy) → dy ⊙ 1(x > 0). */
export const reluVjp64: Float64Reference = ([x, dy]) => reluGrad(dy, x);

/** (logits, dy) → p ⊙ (dy − Σ_k dy_k p_k) per row. */
export const softmaxVjp64: Float64Reference = ([logits, dy], [shape]) => {
  const [rows, cols] = rowsAndCols(shape);
  const p = softmaxRows(mat64(rows, cols, logits)).data;
  const out = new Float64Array(p.length);
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[i * cols + j] * p[i * cols + j];
    for (let j = 0; j < cols; j++) out[i * cols + j] = p[i * cols + j] * (dy[i * cols + j] - dot);
  }
  return out;
};

/** (logits, dy scalar, labels) → dy · (p − y)/N. */
export const softmaxCrossEntropyVjp64: Float64Reference = ([logits, dy, labels], [shape]) => {
  const [rows, cols] = rowsAndCols(shape);
  const g = crossEntropyGrad(mat64(rows, cols, labels), mat64(rows, cols, logits)).data;
  return g.map((v) => v * dy[0]);
};

/**
 * Float64 reference maths in plain JavaScript (no tfjs), row-major. Slow and simple on
 * purpose: it is what fp32 kernels are judged against.
 */

/** A rows×cols matrix, row-major in `data`. */
export interface Mat64 {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat64(rows: number, cols: number, data?: ArrayLike<number>): Mat64 {
  if (data !== undefined && data.length !== rows * cols) {
    throw new Error(`mat64: ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  return { rows, cols, data: data === undefined ? new Float64Array(rows * cols) : Float64Array.from(data) };
}

/** C = op(A)·op(B), op = transpose when asked; accumulated in float64. */
export function matmul(a: Mat64, b: Mat64, transposeA = false, transposeB = false): Mat64 {
  const m = transposeA ? a.cols : a.rows;
  const k = transposeA ? a.rows : a.cols;
  const kb = transposeB ? b.cols : b.rows;
  const n = transposeB ? b.rows : b.cols;
  if (k !== kb) throw new Error(`matmul: inner dimensions differ (${k} vs ${kb})`);
  const c = mat64(m, n);
  const aAt = transposeA ? (i: number, p: number) => a.data[p * a.cols + i] : (i: number, p: number) => a.data[i * a.cols + p];
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const aip = aAt(i, p);
      if (aip === 0) continue;
      if (transposeB) {
        for (let j = 0; j < n; j++) c.data[row + j] += aip * b.data[j * b.cols + p];
      } else {
        const bRow = p * n;
        for (let j = 0; j < n; j++) c.data[row + j] += aip * b.data[bRow + j];
      }
    }
  }
  return c;
}

/** R = A + 1·bᵀ (bias added to every row). */
export function addBias(a: Mat64, bias: Float64Array): Mat64 {
  if (bias.length !== a.cols) throw new Error(`addBias: bias has ${bias.length} values for ${a.cols} columns`);
  const r = mat64(a.rows, a.cols, a.data);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) r.data[i * a.cols + j] += bias[j];
  return r;
}

/** 1ᵀ·G, the column sums of G (a dense layer's bias gradient). */
export function columnSums(g: Mat64): Float64Array {
  const out = new Float64Array(g.cols);
  for (let n = 0; n < g.rows; n++) for (let j = 0; j < g.cols; j++) out[j] += g.data[n * g.cols + j];
  return out;
}

export function relu(x: Float64Array): Float64Array {
  return x.map((v) => (v > 0 ? v : 0));
}

/** dx = dy ⊙ 1(x > 0), relu'(0) = 0. */
export function reluGrad(dy: Float64Array, x: Float64Array): Float64Array {
  return dy.map((d, i) => (x[i] > 0 ? d : 0));
}

/** logsumexp of each row, shifted by the row's own max. */
export function logSumExpRows(z: Mat64): Float64Array {
  const out = new Float64Array(z.rows);
  for (let i = 0; i < z.rows; i++) {
    const row = z.data.subarray(i * z.cols, (i + 1) * z.cols);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    out[i] = max + Math.log(sum);
  }
  return out;
}

/** P_ij = exp(z_ij − logsumexp(z_i)). */
export function softmaxRows(z: Mat64): Mat64 {
  const lse = logSumExpRows(z);
  const p = mat64(z.rows, z.cols);
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < z.cols; j++) p.data[i * z.cols + j] = Math.exp(z.data[i * z.cols + j] - lse[i]);
  return p;
}

/** L = (1/N) Σ_n (logsumexp(Z_n) − Σ_k Y_nk Z_nk). */
export function crossEntropy(y: Mat64, z: Mat64): number {
  if (y.rows !== z.rows || y.cols !== z.cols) throw new Error(`crossEntropy: labels ${y.rows}×${y.cols} vs logits ${z.rows}×${z.cols}`);
  const lse = logSumExpRows(z);
  let total = 0;
  for (let i = 0; i < z.rows; i++) {
    let yz = 0;
    let ySum = 0;
    for (let j = 0; j < z.cols; j++) {
      yz += y.data[i * z.cols + j] * z.data[i * z.cols + j];
      ySum += y.data[i * z.cols + j];
    }
    total += ySum * lse[i] - yz; // −Σ_k y_k log p_k = (Σ_k y_k)·lse − Σ_k y_k z_k
  }
  return total / z.rows;
}

/** ∂L/∂Z = (P − Y)/N for one-hot rows (Σ_k Y_nk = 1), the homework's gradCE. */
export function crossEntropyGrad(y: Mat64, z: Mat64): Mat64 {
  const p = softmaxRows(z);
  const g = mat64(z.rows, z.cols);
  for (let i = 0; i < g.data.length; i++) g.data[i] = (p.data[i] - y.data[i]) / z.rows;
  return g;
}

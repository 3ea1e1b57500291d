/**
 * The hand-written loops shared by the cpu and wasm kernels. They read and write plain
 * typed arrays (the cpu backend's storage or views on the wasm heap) and accumulate every
 * row reduction in float64 (JS numbers) before storing float32.
 */
export type FloatArray = Float32Array;

/** y = max(0, x); NaN stays NaN, as tf.relu does. */
export function reluInto(x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 || Number.isNaN(v) ? v : 0;
  }
}

/** dx = dy ⊙ 1(x > 0); relu'(0) = 0. NaN in x gives NaN, as tf.step does. */
export function reluGradInto(dy: FloatArray, x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? dy[i] : Number.isNaN(v) ? v : 0;
  }
}

/** Largest entry of row [start, start + cols); NaN if the row holds a NaN. */
function rowMax(z: FloatArray, start: number, cols: number): number {
  let max = -Infinity;
  for (let k = start; k < start + cols; k++) {
    const v = z[k];
    if (v > max || Number.isNaN(v)) max = v;
    if (Number.isNaN(max)) return max;
  }
  return max;
}

/** logsumexp of one row, shifted by the row's own max: m + log Σ_k exp(z_k − m). */
function rowLogSumExp(z: FloatArray, start: number, cols: number): number {
  const m = rowMax(z, start, cols);
  let sum = 0;
  for (let k = start; k < start + cols; k++) sum += Math.exp(z[k] - m);
  return m + Math.log(sum);
}

/** p_nk = exp(z_nk − m_n) / Σ_j exp(z_nj − m_n), with m_n the max of row n. */
export function softmaxRowsInto(z: FloatArray, cols: number, out: FloatArray): void {
  for (let start = 0; start < z.length; start += cols) {
    const m = rowMax(z, start, cols);
    let sum = 0;
    for (let k = start; k < start + cols; k++) sum += Math.exp(z[k] - m);
    // Recompute the float64 exponentials rather than storing float32 ones to divide.
    for (let k = start; k < start + cols; k++) out[k] = Math.exp(z[k] - m) / sum;
  }
}

/**
 * L = (1/N) Σ_n −Σ_k y_nk log p_nk = (1/N) Σ_n ((Σ_k y_nk) · logsumexp(z_n) − Σ_k y_nk z_nk),
 * N = z.length / cols; for label rows that sum to 1 this is logsumexp(z_n) − Σ_k y_nk z_nk.
 */
export function softmaxCrossEntropyMean(labels: FloatArray, logits: FloatArray, cols: number): number {
  const rows = logits.length / cols;
  let total = 0;
  for (let start = 0; start < logits.length; start += cols) {
    let dot = 0;
    let labelSum = 0;
    for (let k = start; k < start + cols; k++) {
      dot += labels[k] * logits[k];
      labelSum += labels[k];
    }
    total += labelSum * rowLogSumExp(logits, start, cols) - dot;
  }
  return total / rows;
}

/**
 * dz = dy · ((Σ_k y_k) · softmax(z) − y) / N, the derivative of the loss above. For label rows
 * that sum to 1 (one-hot or probabilities) this is the homework's gradCE, dy · (p − y) / N.
 */
export function softmaxCrossEntropyGradInto(dy: number, labels: FloatArray, logits: FloatArray, cols: number, out: FloatArray): void {
  const scale = dy / (logits.length / cols);
  for (let start = 0; start < logits.length; start += cols) {
    const lse = rowLogSumExp(logits, start, cols);
    let labelSum = 0;
    for (let k = start; k < start + cols; k++) labelSum += labels[k];
    for (let k = start; k < start + cols; k++) out[k] = scale * (labelSum * Math.exp(logits[k] - lse) - labels[k]);
  }
}

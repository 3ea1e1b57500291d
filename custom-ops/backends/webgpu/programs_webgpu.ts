/**
 * WGSL compute programs behind handgrad's webgpu kernels, in the style of tfjs-backend-webgpu's
 * *_webgpu.ts files. The webgpu backend wraps `getUserCode()` in a shader that declares one
 * read-only storage array per name in `variableNames` (indexed flat, row-major), the output
 * array behind setOutputAtIndex(i, v), and a `uniforms` struct holding NAN, INFINITY, every
 * input's shape (`zShape` for input `Z`), the output shape and `size`. It calls our
 * `main(index)` once per invocation with the invocation's global index.
 *
 * The backend caches a compiled pipeline under `shaderKey` plus the inputs' ranks and dtypes
 * and the workgroup size, never the shapes: every size a shader needs is therefore read from
 * `uniforms`, and the one constant baked into the code (the workgroup width) is part of the key.
 *
 * Row reductions run one workgroup per row: its invocations stride over the row's columns, then
 * combine their partial results in workgroup memory with a tree of barriers, so nothing is read
 * back to the CPU. WGSL lets a compiler assume floats are never NaN, so NaN is tested on the bit
 * pattern (the backend's isnan()) and produced from `uniforms.NAN`.
 *
 * Only types come from tfjs-backend-webgpu: importing this file loads nothing at run time.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

type Dispatch = [number, number, number];

/** Invocations per workgroup for the elementwise programs. */
const ELEMENTWISE_WORKGROUP = 64;
/** Invocations of the single workgroup that averages the per-row losses. */
const MEAN_WORKGROUP = 256;
/** WebGPU guarantees 256 invocations per workgroup on every adapter. */
const MAX_ROW_WORKGROUP = 256;
const MIN_ROW_WORKGROUP = 32;

/**
 * Threads per row: the power of two ≥ cols, between 32 and 256, so a 10-class row does not
 * idle 246 invocations and a 784-pixel row is split 256 ways.
 */
export function rowWorkgroupSize(cols: number): number {
  let width = MIN_ROW_WORKGROUP;
  while (width < cols && width < MAX_ROW_WORKGROUP) width *= 2;
  return width;
}

/** A program over `outputShape` with one invocation per element (x-only layout, so main gets a flat index). */
function elementwise(shaderKey: string, variableNames: string[], size: number, body: string): WebGPUProgram {
  return {
    shaderKey,
    variableNames,
    outputShape: [size],
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / ELEMENTWISE_WORKGROUP), 1, 1],
    workgroupSize: [ELEMENTWISE_WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** y = max(0, x) over a flat [size] view; NaN stays NaN, as tf.relu and the cpu kernel do. */
export function reluProgram(size: number): WebGPUProgram {
  return elementwise(
    'handgrad_relu',
    ['X'],
    size,
    `let x = X[index];
          if (isnan(x)) {
            setOutputAtIndex(index, uniforms.NAN);
          } else {
            setOutputAtIndex(index, select(0.0, x, x > 0.0));
          }`,
  );
}

/** dx = dy ⊙ 1(x > 0) over flat [size] views; relu'(0) = 0, and NaN in x gives NaN (tf.step). */
export function reluGradProgram(size: number): WebGPUProgram {
  return elementwise(
    'handgrad_relu_grad',
    ['Dy', 'X'],
    size,
    `let x = X[index];
          if (isnan(x)) {
            setOutputAtIndex(index, uniforms.NAN);
          } else {
            setOutputAtIndex(index, select(0.0, Dy[index], x > 0.0));
          }`,
  );
}

/**
 * Workgroup-wide reductions for a workgroup of `width` invocations. Each is called by every
 * invocation of the workgroup in uniform control flow (the barriers require it) and returns
 * the combined value to all of them.
 */
function workgroupReductions(width: number): string {
  return `
    const THREADS : i32 = ${width};
    var<workgroup> partialMax : array<f32, ${width}>;
    var<workgroup> partialSums : array<vec3<f32>, ${width}>;

    // max that propagates NaN, like the cpu kernel's row max.
    fn nanMax(a : f32, b : f32) -> f32 {
      if (isnan(a)) { return a; }
      if (isnan(b)) { return b; }
      return max(a, b);
    }

    fn workgroupMax(tid : i32, value : f32) -> f32 {
      partialMax[tid] = value;
      workgroupBarrier();
      for (var stride = THREADS / 2; stride > 0; stride = stride / 2) {
        if (tid < stride) {
          partialMax[tid] = nanMax(partialMax[tid], partialMax[tid + stride]);
        }
        workgroupBarrier();
      }
      let combined = partialMax[0];
      workgroupBarrier();
      return combined;
    }

    // Three sums at once (unused lanes carry 0): a tree over the invocations' partial sums.
    fn workgroupSums(tid : i32, value : vec3<f32>) -> vec3<f32> {
      partialSums[tid] = value;
      workgroupBarrier();
      for (var stride = THREADS / 2; stride > 0; stride = stride / 2) {
        if (tid < stride) {
          partialSums[tid] = partialSums[tid] + partialSums[tid + stride];
        }
        workgroupBarrier();
      }
      let combined = partialSums[0];
      workgroupBarrier();
      return combined;
    }`;
}

/**
 * The prologue every row program shares, over Z viewed as [rows, cols]: which row this
 * workgroup owns (`live` is false in the spare workgroups of a dispatch the backend had to
 * fold into two dimensions), this invocation's first column, and m_n = max_k z_nk.
 */
const ROW_PROLOGUE = `
        let tid = i32(localId.x);
        let rows = uniforms.zShape.x;
        let cols = uniforms.zShape.y;
        let row = index / THREADS;
        let live = row < rows;
        let base = row * cols;
        var threadMax = -uniforms.INFINITY;
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            threadMax = nanMax(threadMax, Z[base + k]);
          }
        }
        let m = workgroupMax(tid, threadMax);`;

/** One workgroup per row of a [rows, cols] problem; the output has `outputShape`. */
function rowProgram(shaderKey: string, variableNames: string[], rows: number, cols: number, outputShape: number[], main: string): WebGPUProgram {
  const width = rowWorkgroupSize(cols);
  return {
    shaderKey,
    variableNames,
    outputShape,
    dispatchLayout: { x: [0] },
    dispatch: [rows, 1, 1] as Dispatch,
    workgroupSize: [width, 1, 1],
    getUserCode: () => `
      ${workgroupReductions(width)}

      fn main(index : i32) {
        ${ROW_PROLOGUE}
        ${main}
      }`,
  };
}

/** p_nk = exp(z_nk − m_n) / s_n with s_n = Σ_k exp(z_nk − m_n), one pass per row of Z [rows, cols]. */
export function softmaxProgram(rows: number, cols: number): WebGPUProgram {
  return rowProgram(
    'handgrad_softmax',
    ['Z'],
    rows,
    cols,
    [rows, cols],
    `
        var threadSum = 0.0;
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            threadSum = threadSum + exp(Z[base + k] - m);
          }
        }
        let s = workgroupSums(tid, vec3<f32>(threadSum, 0.0, 0.0)).x;
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            setOutputAtIndex(base + k, exp(Z[base + k] - m) / s);
          }
        }`,
  );
}

/**
 * ℓ_n = (Σ_k y_nk) · logsumexp(z_n) − Σ_k y_nk z_nk with logsumexp(z_n) = m_n + log s_n: the
 * per-row cross-entropy −Σ_k y_nk log p_nk of Z and Y [rows, cols], written to a [rows] vector.
 */
export function rowCrossEntropyProgram(rows: number, cols: number): WebGPUProgram {
  return rowProgram(
    'handgrad_row_cross_entropy',
    ['Z', 'Y'],
    rows,
    cols,
    [rows],
    `
        var threadSums = vec3<f32>(0.0, 0.0, 0.0);
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            let z = Z[base + k];
            let y = Y[base + k];
            threadSums = threadSums + vec3<f32>(exp(z - m), y * z, y);
          }
        }
        let sums = workgroupSums(tid, threadSums);
        if (live && tid == 0) {
          setOutputAtIndex(row, sums.z * (m + log(sums.x)) - sums.y);
        }`,
  );
}

/**
 * L = (1/N) Σ_n ℓ_n over a [N] vector V, in one workgroup: each invocation adds every
 * MEAN_WORKGROUP-th value with Kahan compensation (error ~2ε however large N is), then a tree
 * combines the 256 partial sums. The result is a rank-0 tensor.
 */
export function meanProgram(): WebGPUProgram {
  return {
    shaderKey: 'handgrad_mean',
    variableNames: ['V'],
    outputShape: [],
    dispatchLayout: { x: [] },
    dispatch: [1, 1, 1],
    workgroupSize: [MEAN_WORKGROUP, 1, 1],
    getUserCode: () => `
      ${workgroupReductions(MEAN_WORKGROUP)}

      fn main(index : i32) {
        let tid = i32(localId.x);
        let n = uniforms.vShape;
        var sum = 0.0;
        var compensation = 0.0;
        for (var i = tid; i < n; i = i + THREADS) {
          let term = V[i] - compensation;
          let next = sum + term;
          compensation = (next - sum) - term;
          sum = next;
        }
        let total = workgroupSums(tid, vec3<f32>(sum, 0.0, 0.0)).x;
        if (tid == 0) {
          setOutputAtIndex(0, total / f32(n));
        }
      }`,
  };
}

/**
 * dz_nk = (dy / N) · (l_n · exp(z_nk − m_n) / s_n − y_nk), with l_n = Σ_k y_nk: the derivative
 * of the mean cross-entropy, (p − y)/N for one-hot rows, scaled by the upstream scalar Dy.
 */
export function crossEntropyGradProgram(rows: number, cols: number): WebGPUProgram {
  return rowProgram(
    'handgrad_cross_entropy_grad',
    ['Z', 'Y', 'Dy'],
    rows,
    cols,
    [rows, cols],
    `
        var threadSums = vec3<f32>(0.0, 0.0, 0.0);
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            threadSums = threadSums + vec3<f32>(exp(Z[base + k] - m), Y[base + k], 0.0);
          }
        }
        let sums = workgroupSums(tid, threadSums);
        let scale = Dy[0] / f32(rows);
        if (live) {
          for (var k = tid; k < cols; k = k + THREADS) {
            let p = exp(Z[base + k] - m) / sums.x;
            setOutputAtIndex(base + k, scale * (sums.y * p - Y[base + k]));
          }
        }`,
  );
}

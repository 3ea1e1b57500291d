/**
 * WGSL compute programs behind handgrad's webgpu kernels, in the style of tfjs-backend-webgpu's
 * *_webgpu.ts files. The webgpu backend wraps `getUserCode()` in a shader that declares one
 * read-only storage array per name in `variableNames` (indexed flat, row-major), the output
 * array behind setOutputAtIndex(i, v), and a `uniforms` struct holding NAN, INFINITY, every
 * input's shape (`zShape` for input `Z`), the output shape and `size`. It calls our
 * `main(index)` once per invocation with the invocation's global index.
 *
 * An input's array has the element type of its GPU buffer, which is not always its tensor's
 * dtype: tfjs's webgpu Cast from int32 to float32 (the trainer's one-hot labels) keeps the int32
 * buffer. Every read is therefore wrapped in f32(...), a no-op on f32 and a conversion on i32.
 *
 * The backend caches a compiled pipeline under `shaderKey` plus the inputs' ranks and dtypes
 * and the workgroup size, never the shapes: every size a shader needs is therefore read from
 * `uniforms`, and the one constant baked into the code (the workgroup width) is part of the key.
 *
 * Row reductions (softmax, cross-entropy and its gradient) stay on the GPU, with nothing read back
 * to the CPU: a narrow row is one invocation's loop; a wide row is a workgroup's, whose
 * invocations stride over its columns and combine their partial results in workgroup memory. WGSL lets a compiler assume floats are never NaN, so NaN is tested on the bit
 * pattern (the backend's isnan()) and produced from `uniforms.NAN`.
 *
 * Only types come from tfjs-backend-webgpu: importing this file loads nothing at run time.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

type Dispatch = [number, number, number];

/** Invocations of the single workgroup that averages the per-row losses. */
const MEAN_WORKGROUP = 256;
/** WebGPU guarantees 256 invocations per workgroup on every adapter. */
const MAX_ROW_WORKGROUP = 256;

/** Threads per wide row: the power of two ≥ cols, at most 256 (a 784-pixel row is split 256 ways). */
export function rowWorkgroupSize(cols: number): number {
  let width = 64;
  while (width < cols && width < MAX_ROW_WORKGROUP) width *= 2;
  return width;
}

/** max that propagates NaN, like the cpu kernel's row max. */
const NAN_MAX = `
    fn nanMax(a : f32, b : f32) -> f32 {
      if (isnan(a)) { return a; }
      if (isnan(b)) { return b; }
      return max(a, b);
    }`;

/**
 * combineMax and combineSums combine the partial results of a workgroup of `width` invocations
 * that share a row (or, in meanProgram, a vector): a tree in workgroup memory. Every invocation
 * of the workgroup calls them in uniform control flow (the barriers require it) and gets the
 * combined value.
 */
function workgroupReductions(width: number): string {
  return `
    const THREADS : i32 = ${width};
    var<workgroup> partialMax : array<f32, ${width}>;
    var<workgroup> partialSums : array<vec3<f32>, ${width}>;
    ${NAN_MAX}

    fn combineMax(tid : i32, value : f32) -> f32 {
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

    // Three sums at once (unused lanes carry 0).
    fn combineSums(tid : i32, value : vec3<f32>) -> vec3<f32> {
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

/** A row owned by one invocation has nothing to combine. */
const INVOCATION_REDUCTIONS = `
    ${NAN_MAX}
    fn combineMax(tid : i32, value : f32) -> f32 { return value; }
    fn combineSums(tid : i32, value : vec3<f32>) -> vec3<f32> { return value; }`;

/** Rows of at most this many columns get one invocation each. */
export const MAX_COLS_PER_INVOCATION = 64;
/** Invocations per workgroup when each owns a row. */
const ROWS_PER_WORKGROUP = 64;

/**
 * How a row program spreads a [rows, cols] problem over invocations. Narrow rows (the output
 * layer's 10 classes) get one invocation each, which loops over the columns: no barriers and no
 * idle invocations. Wide rows get a workgroup each (see rowWorkgroupSize), whose invocations
 * stride over the columns and then combine their partial results with combineMax / combineSums.
 */
type RowSplit = { perRow: 'invocation' | 'workgroup'; workgroupSize: number; dispatch: number };

export function rowSplit(rows: number, cols: number): RowSplit {
  if (cols <= MAX_COLS_PER_INVOCATION) return { perRow: 'invocation', workgroupSize: ROWS_PER_WORKGROUP, dispatch: Math.ceil(rows / ROWS_PER_WORKGROUP) };
  return { perRow: 'workgroup', workgroupSize: rowWorkgroupSize(cols), dispatch: rows };
}

/**
 * The prologue every row program shares, over Z viewed as [rows, cols]: the row this invocation
 * works on (`live` is false past the last row: in the last workgroup, and in the spare ones of a
 * dispatch the backend had to fold into two dimensions), its first column `tid` and column step
 * `colStep`, and m_n = max_k z_nk.
 */
function rowPrologue(split: RowSplit): string {
  const byWorkgroup = split.perRow === 'workgroup';
  return `
        let tid = ${byWorkgroup ? 'i32(localId.x)' : '0'};
        let colStep = ${byWorkgroup ? 'THREADS' : '1'};
        let row = ${byWorkgroup ? 'index / THREADS' : 'index'};
        let rows = uniforms.zShape.x;
        let cols = uniforms.zShape.y;
        let live = row < rows;
        let base = row * cols;
        var threadMax = -uniforms.INFINITY;
        if (live) {
          for (var k = tid; k < cols; k = k + colStep) {
            threadMax = nanMax(threadMax, f32(Z[base + k]));
          }
        }
        let m = combineMax(tid, threadMax);`;
}

/**
 * A row program over a [rows, cols] problem whose output has `outputShape`. `main` runs after
 * the prologue; it loops over its columns with `for (var k = tid; k < cols; k = k + colStep)` and
 * combines with combineMax / combineSums, and so reads the same whichever way rows are split.
 */
function rowProgram(shaderKey: string, variableNames: string[], rows: number, cols: number, outputShape: number[], main: string): WebGPUProgram {
  const split = rowSplit(rows, cols);
  return {
    // The split changes the code but not always the workgroup size, so it is part of the key.
    shaderKey: `${shaderKey}_per_${split.perRow}`,
    variableNames,
    outputShape,
    dispatchLayout: { x: [0] },
    dispatch: [split.dispatch, 1, 1] as Dispatch,
    workgroupSize: [split.workgroupSize, 1, 1],
    getUserCode: () => `
      ${split.perRow === 'workgroup' ? workgroupReductions(split.workgroupSize) : INVOCATION_REDUCTIONS}

      fn main(index : i32) {
        ${rowPrologue(split)}
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
          for (var k = tid; k < cols; k = k + colStep) {
            threadSum = threadSum + exp(f32(Z[base + k]) - m);
          }
        }
        let s = combineSums(tid, vec3<f32>(threadSum, 0.0, 0.0)).x;
        if (live) {
          for (var k = tid; k < cols; k = k + colStep) {
            setOutputAtIndex(base + k, exp(f32(Z[base + k]) - m) / s);
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
          for (var k = tid; k < cols; k = k + colStep) {
            let z = f32(Z[base + k]);
            let y = f32(Y[base + k]);
            threadSums = threadSums + vec3<f32>(exp(z - m), y * z, y);
          }
        }
        let sums = combineSums(tid, threadSums);
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
          let term = f32(V[i]) - compensation;
          let next = sum + term;
          compensation = (next - sum) - term;
          sum = next;
        }
        let total = combineSums(tid, vec3<f32>(sum, 0.0, 0.0)).x;
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
          for (var k = tid; k < cols; k = k + colStep) {
            threadSums = threadSums + vec3<f32>(exp(f32(Z[base + k]) - m), f32(Y[base + k]), 0.0);
          }
        }
        let sums = combineSums(tid, threadSums);
        let scale = f32(Dy[0]) / f32(rows);
        if (live) {
          for (var k = tid; k < cols; k = k + colStep) {
            let p = exp(f32(Z[base + k]) - m) / sums.x;
            setOutputAtIndex(base + k, scale * (sums.y * p - f32(Y[base + k])));
          }
        }`,
  );
}

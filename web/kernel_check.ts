/**
 * Each handgrad kernel on the page's backends against the cpu kernel, on the same seeded inputs:
 * the check the browser tests run (the gradient table is compare/'s job).
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import {
  manualRelu,
  manualReluGrad,
  manualSoftmax,
  manualSoftmaxCrossEntropy,
  manualSoftmaxCrossEntropyGrad,
  manualDenseParamGrads,
  manualHiddenDelta,
  manualSgdUpdate,
  manualMomentumUpdate,
  manualAdamUpdate,
} from '../custom-ops/index.js';
import { absFloor, FP32_VS_FP32 } from '../compare/tolerances.js';
import type { KernelCheckRow, PageBackend } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';


type Case = { kernel: string; shape: number[]; run: (inputs: Float32Array[]) => tf.Tensor; inputs: Float32Array[] };

function uniform(rng: () => number, size: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

function oneHotRows(rng: () => number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out[r * cols + Math.floor(rng() * cols)] = 1;
  return out;
}

/**
 * Shapes cover rank 1, 2 and 3 (the reshape path), a 784-wide row, > 32·32 rows (three partial-sum
 * passes on webgl), > 65535 rows (more workgroups than WebGPU dispatches along one axis), and rows
 * of ≤ 64 and > 64 columns (one invocation per row, or a workgroup per row, on webgpu).
 * The [65, 10] labels are an int32 one-hot cast to float32, as the trainer makes them: webgl and
 * webgpu keep the int32 storage under the float32 tensor.
 */
function cases(): Case[] {
  const rng = seedrandom('handgrad-webgl-kernel-check');
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const list: Case[] = [];
  for (const shape of [[7], [33, 17], [2, 3, 5]]) {
    list.push({ kernel: 'ManualRelu', shape, inputs: [uniform(rng, size(shape), -2, 2)], run: ([x]) => manualRelu(tf.tensor(x, shape)) });
    list.push({
      kernel: 'ManualReluGrad',
      shape,
      inputs: [uniform(rng, size(shape), -2, 2), uniform(rng, size(shape), -2, 2)],
      run: ([dy, x]) => manualReluGrad(tf.tensor(dy, shape), tf.tensor(x, shape)),
    });
  }
  for (const shape of [[10], [64, 10], [8, 784], [2, 3, 5]]) {
    list.push({ kernel: 'ManualSoftmax', shape, inputs: [uniform(rng, size(shape), -8, 8)], run: ([z]) => manualSoftmax(tf.tensor(z, shape)) });
  }
  list.push({ kernel: 'ManualSoftmax', shape: [66000, 2], inputs: [uniform(rng, 132000, -8, 8)], run: ([z]) => manualSoftmax(tf.tensor(z, [66000, 2])) });
  for (const shape of [[1, 10], [64, 10], [65, 10], [1100, 10], [66000, 2], [5, 300], [2, 3, 5]]) {
    const cols = shape[shape.length - 1];
    const rows = size(shape) / cols;
    const labels = (y: Float32Array): tf.Tensor => (shape[0] === 65 ? tf.cast(tf.tensor(Int32Array.from(y), shape, 'int32'), 'float32') : tf.tensor(y, shape));
    list.push({
      kernel: 'ManualSoftmaxCrossEntropy',
      shape,
      inputs: [oneHotRows(rng, rows, cols), uniform(rng, size(shape), -8, 8)],
      run: ([y, z]) => manualSoftmaxCrossEntropy(labels(y), tf.tensor(z, shape)),
    });
    list.push({
      kernel: 'ManualSoftmaxCrossEntropyGrad',
      shape,
      inputs: [Float32Array.of(0.75), oneHotRows(rng, rows, cols), uniform(rng, size(shape), -8, 8)],
      run: ([dy, y, z]) => manualSoftmaxCrossEntropyGrad(tf.scalar(dy[0]), labels(y), tf.tensor(z, shape)),
    });
  }
  // Kernels with several outputs: every output flattened into one tensor.
  const flat = (...ts: tf.Tensor[]): tf.Tensor => tf.concat(ts.map((t) => t.flatten()));
  // The fused backprop kernels, [N, in, out] = a small case and the default job's 128×256→10.
  for (const [n, inputs, outputs] of [[5, 7, 3], [128, 256, 10]]) {
    list.push({
      kernel: 'ManualDenseParamGrads',
      shape: [n, inputs, outputs],
      inputs: [uniform(rng, n * inputs, 0, 1), uniform(rng, n * outputs, -0.1, 0.1)],
      run: ([x, g]) => {
        const { dW, db } = manualDenseParamGrads(tf.tensor2d(x, [n, inputs]), tf.tensor2d(g, [n, outputs]));
        return flat(dW, db);
      },
    });
    list.push({
      kernel: 'ManualHiddenDelta',
      shape: [n, inputs, outputs],
      inputs: [uniform(rng, n * outputs, -0.1, 0.1), uniform(rng, inputs * outputs, -0.2, 0.2), uniform(rng, n * inputs, -1, 1)],
      run: ([g, w, r]) => manualHiddenDelta(tf.tensor2d(g, [n, outputs]), tf.tensor2d(w, [inputs, outputs]), tf.tensor2d(r, [n, inputs])),
    });
  }
  for (const shape of [[7], [33, 17], [2, 3, 5]]) {
    const params = (): Float32Array[] => [uniform(rng, size(shape), -1, 1), uniform(rng, size(shape), -1e-2, 1e-2)];
    list.push({ kernel: 'ManualSgdUpdate', shape, inputs: params(), run: ([w, g]) => manualSgdUpdate(tf.tensor(w, shape), tf.tensor(g, shape), { lr: 0.1 }) });
    list.push({
      kernel: 'ManualMomentumUpdate',
      shape,
      inputs: [...params(), uniform(rng, size(shape), -1e-2, 1e-2)],
      run: ([w, g, v]) => {
        const u = manualMomentumUpdate(tf.tensor(w, shape), tf.tensor(g, shape), tf.tensor(v, shape), { lr: 0.1, momentum: 0.9 });
        return flat(u.param, u.velocity);
      },
    });
    list.push({
      kernel: 'ManualAdamUpdate',
      shape,
      inputs: [...params(), uniform(rng, size(shape), -1e-3, 1e-3), uniform(rng, size(shape), 1e-6, 1e-4)],
      run: ([w, g, m, v]) => {
        const u = manualAdamUpdate(tf.tensor(w, shape), tf.tensor(g, shape), tf.tensor(m, shape), tf.tensor(v, shape), {
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-7,
          step: 3,
        });
        return flat(u.param, u.m, u.v);
      },
    });
  }
  return list;
}

function outputs(list: Case[]): Float32Array[] {
  return list.map((c) => tf.tidy(() => c.run(c.inputs).dataSync() as Float32Array));
}

/** max_i |a_i − b_i| / max(|a_i|, |b_i|, atol), atol from the fp32~fp32 floor at the tensor's scale. */
function maxRelError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  const atol = absFloor(FP32_VS_FP32, scale) / FP32_VS_FP32.rtol;
  let worst = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) {
    const denom = Math.max(Math.abs(a[i]), Math.abs(b[i]), atol);
    worst = Math.max(worst, denom === 0 ? 0 : Math.abs(a[i] - b[i]) / denom);
  }
  return worst;
}

/** Runs every case on cpu and on each of `backends`; leaves `backends`' last entry active. */
export async function checkKernels(backends: PageBackend[]): Promise<KernelCheckRow[]> {
  const list = cases();
  await useBackend('cpu');
  const expected = outputs(list);
  const rows: KernelCheckRow[] = [];
  for (const backend of backends) {
    await useBackend(backend);
    const got = outputs(list);
    list.forEach((c, i) => {
      const err = maxRelError(expected[i], got[i]);
      rows.push({ kernel: c.kernel, shape: c.shape, backend, maxRelError: err, rtol: FP32_VS_FP32.rtol, pass: err <= FP32_VS_FP32.rtol });
    });
  }
  return rows;
}

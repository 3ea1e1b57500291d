/**
 * Each handgrad kernel on the page's backends against the cpu kernel, forward, on the checker's
 * seeded shape cases (gradcheck/kernel_cases.ts kernelShapeCases): the check the browser tests run
 * (gradients are opcheck's and gradcheck/'s job).
 */
import * as tf from '@tensorflow/tfjs';
import { kernelShapeCases, type KernelCase } from '../gradcheck/kernel_cases.js';
import { inputTensor } from '../gradcheck/opcheck.js';
import { absFloor, FP32_VS_FP32, maxRelativeError } from '../gradcheck/tolerances.js';
import type { KernelCheckRow, PageBackend } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';

/** The kernel's outputs on the active backend, every output flattened into one array. */
function outputs(c: KernelCase): Float32Array {
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {};
    for (const [name, input] of Object.entries(c.inputs)) inputs[name] = inputTensor(input);
    const out = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(c.kernel, inputs, c.attrs);
    const parts = (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((offset, p) => (flat.set(p, offset), offset + p.length), 0);
    return flat;
  });
}

/** max_i |a_i − b_i| / max(|a_i|, |b_i|, atol), atol from the fp32~fp32 floor at the tensor's scale. */
function maxRelError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  return maxRelativeError(a, b, { atol: absFloor(FP32_VS_FP32, scale) / FP32_VS_FP32.rtol });
}

/** Runs every case on cpu and on each of `backends`; leaves `backends`' last entry active. */
export async function checkKernels(backends: PageBackend[]): Promise<KernelCheckRow[]> {
  const list = kernelShapeCases();
  await useBackend('cpu');
  const expected = list.map(outputs);
  const rows: KernelCheckRow[] = [];
  for (const backend of backends) {
    await useBackend(backend);
    list.forEach((c, i) => {
      const err = maxRelError(expected[i], outputs(c));
      const shape = c.shape ?? Object.values(c.inputs)[0].shape;
      rows.push({ kernel: c.kernel, shape, backend, maxRelError: err, rtol: FP32_VS_FP32.rtol, pass: err <= FP32_VS_FP32.rtol });
    });
  }
  return rows;
}

/**
 * The hand-written WASM SIMD modules (adam_simd.wat, zero_skipping.wat, shipped compiled): the shipped
 * bytes are the .wat's; the wasm backend's Adam runs on the backend's heap in Node, so updates.test.ts's
 * wasm rows check it against Adam composed of tfjs ops. The zero-skipping products: wasm_zero_skipping.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { adamSimdFor } from '../../custom-ops/backends/wasm/adam_simd.js';
import { ADAM_SIMD_WASM } from '../../custom-ops/backends/wasm/adam_simd_wasm.js';
import { ZERO_SKIPPING_WASM } from '../../custom-ops/backends/wasm/zero_skipping_wasm.js';
import { compileWat, SIMD_MODULES, simdSource } from '../../custom-ops/backends/wasm/build_simd.mjs';
import { activate, availabilityOf } from './helpers.js';

const WASM = availabilityOf('wasm');

describe('wasm Adam in SIMD', () => {
  it('each *_wasm.ts holds exactly what its .wat compiles to (else: npm run build:wasm-simd)', async () => {
    const shipped: Record<string, Uint8Array> = { ADAM_SIMD_WASM, ZERO_SKIPPING_WASM };
    expect(SIMD_MODULES.map((m) => m.constant).sort()).toEqual(Object.keys(shipped).sort());
    for (const module of SIMD_MODULES) {
      const bytes = await compileWat(module.wat);
      expect(Array.from(shipped[module.constant]), module.wat).toEqual(Array.from(bytes));
      expect(simdSource(module, bytes)).toContain(`export const ${module.constant}: Uint8Array`);
    }
  });

  it.skipIf(!WASM.available)(`loads on the wasm backend in Node and updates its heap in place: a 6-element case by hand (lanes and tail)${WASM.skipNote}`, async () => {
    await activate('wasm');
    const backend = tf.backend() as BackendWasm;
    const adam = adamSimdFor(backend);
    expect(adam).not.toBeNull();
    const w = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const g = tf.tensor1d([0.5, -0.5, 0, 1, -1, 2]);
    const m = tf.zeros([6]);
    const v = tf.zeros([6]);
    const outs = [tf.zeros([6]), tf.zeros([6]), tf.zeros([6])];
    const at = (t: tf.Tensor): number => (backend.typedArrayFromHeap(t) as Float32Array).byteOffset;
    // Step 1: m' = 0.1 g, v' = 0.001 g², and with c1 = 10, c2 = 1000: W' = W − α·sign(g) (ε = 0 here).
    adam!(at(w), at(g), at(m), at(v), at(outs[0]), at(outs[1]), at(outs[2]), 6, 0.9, 0.1, 0.999, 0.001, 0.01 * 10, 1000, 0);
    const [wNew, mNew, vNew] = outs.map((t) => Array.from(t.dataSync()));
    const expected = [0.99, 2.01, Number.NaN, 3.99, 5.01, 5.99]; // g = 0: 0/0
    wNew.forEach((x, i) => (Number.isNaN(expected[i]) ? expect(x).toBeNaN() : expect(x).toBeCloseTo(expected[i], 6)));
    mNew.forEach((x, i) => expect(x).toBeCloseTo(0.1 * [0.5, -0.5, 0, 1, -1, 2][i], 7));
    vNew.forEach((x, i) => expect(x).toBeCloseTo(0.001 * [0.5, -0.5, 0, 1, -1, 2][i] ** 2, 9));
    tf.dispose([w, g, m, v, ...outs]);
  });
});

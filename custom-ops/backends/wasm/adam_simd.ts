import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_SIMD_WASM } from './adam_simd_wasm.js';

/** adam_simd.wat's export: byte offsets of W, ∇, m, v and the three outputs in the heap, the count, then β1, 1−β1, β2, 1−β2, α·c1, c2, ε. */
export type AdamSimd = (
  w: number,
  g: number,
  m: number,
  v: number,
  outW: number,
  outM: number,
  outV: number,
  n: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  lrTimesC1: number,
  c2: number,
  epsilon: number,
) => void;

const instances = new WeakMap<WebAssembly.Memory, AdamSimd | null>();

/**
 * The wasm backend's heap as a WebAssembly.Memory: tfjs-backend-wasm's Emscripten module exposes its
 * instance's exports as `asm`, the heap among them as `memory`.
 */
function heapMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const memory = (backend.wasm as unknown as { asm?: Record<string, unknown> }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/**
 * Adam as WASM SIMD working in place on `backend`'s heap, or null where that cannot be had (no SIMD,
 * a shared-memory build, a heap that is not exported): the caller then runs the JavaScript loop.
 */
export function adamSimdFor(backend: BackendWasm): AdamSimd | null {
  const memory = heapMemory(backend);
  if (memory === null) return null;
  if (!instances.has(memory)) {
    let adam: AdamSimd | null = null;
    try {
      const bytes = new Uint8Array(ADAM_SIMD_WASM);
      if (WebAssembly.validate(bytes)) adam = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.adam as AdamSimd;
    } catch {
      adam = null;
    }
    instances.set(memory, adam);
  }
  return instances.get(memory) ?? null;
}

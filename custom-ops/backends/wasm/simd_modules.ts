import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The wasm backend's heap as a WebAssembly.Memory: tfjs-backend-wasm's Emscripten module exposes its
 * instance's exports as `asm`, the heap among them as `memory`.
 */
function heapMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const memory = (backend.wasm as unknown as { asm?: Record<string, unknown> }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

const instances = new WeakMap<WebAssembly.Memory, Map<Uint8Array, WebAssembly.Exports | null>>();

/**
 * The exports of a hand-written module (its bytes) instantiated on `backend`'s heap, once per heap; null
 * where that cannot be had (no SIMD, a shared-memory build, a heap that is not exported): the caller then
 * takes its JavaScript or tfjs path.
 */
export function simdExportsFor(backend: BackendWasm, bytes: Uint8Array): WebAssembly.Exports | null {
  const memory = heapMemory(backend);
  if (memory === null) return null;
  let modules = instances.get(memory);
  if (modules === undefined) {
    modules = new Map();
    instances.set(memory, modules);
  }
  if (!modules.has(bytes)) {
    let exports: WebAssembly.Exports | null = null;
    try {
      const own = new Uint8Array(bytes); // a copy on a plain ArrayBuffer, as WebAssembly's types ask
      if (WebAssembly.validate(own)) exports = new WebAssembly.Instance(new WebAssembly.Module(own), { env: { memory } }).exports;
    } catch {
      exports = null;
    }
    modules.set(bytes, exports);
  }
  return modules.get(bytes) ?? null;
}

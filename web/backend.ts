/**
 * Backend selection, on the main thread (the Node runner's API) and in the page's workers:
 * webgl (float32 textures, an OffscreenCanvas in a worker), webgpu (WGSL compute shaders),
 * wasm (Vite-served .wasm files), cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import {
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  registerCustomOps,
} from '../custom-ops/index.js';
import type { PageInfo } from '../src/browser/protocol.js';
import type { BackendStatus, WebBackend } from './worker_protocol.js';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

type GlContext = WebGL2RenderingContext | WebGLRenderingContext;

/** A canvas to probe WebGL with: a DOM canvas on the page, an OffscreenCanvas in a worker. */
function probeCanvas(): { getContext: (kind: 'webgl2' | 'webgl') => GlContext | null } | null {
  if (typeof document !== 'undefined') return document.createElement('canvas') as { getContext: (kind: 'webgl2' | 'webgl') => GlContext | null };
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1) as unknown as { getContext: (kind: 'webgl2' | 'webgl') => GlContext | null };
  return null;
}

/** The WebGL context the browser gives a fresh canvas: version and unmasked renderer string. */
export function webglRenderer(): { version: number; renderer: string } {
  const canvas = probeCanvas();
  if (canvas === null) return { version: 0, renderer: 'no canvas in this context (OffscreenCanvas is missing)' };
  const gl2 = canvas.getContext('webgl2');
  const gl = gl2 ?? canvas.getContext('webgl');
  if (gl === null) return { version: 0, renderer: 'no WebGL context' };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = debug === null ? String(gl.getParameter(gl.RENDERER)) : String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { version: gl2 === null ? 1 : 2, renderer };
}

/** The parts of WebGPU's adapter this page reads (lib.dom has no WebGPU types yet). */
type GpuAdapterInfo = { vendor?: string; architecture?: string; device?: string; description?: string };
type GpuAdapter = { info?: GpuAdapterInfo; isFallbackAdapter?: boolean };
type Gpu = { requestAdapter: () => Promise<GpuAdapter | null> };

export type WebgpuAdapter = { available: true; description: string; software: boolean } | { available: false; reason: string };

/** Asks `navigator.gpu` for an adapter, as tfjs's webgpu backend will. */
export async function webgpuAdapter(): Promise<WebgpuAdapter> {
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (gpu === undefined) {
    return { available: false, reason: 'this browser has no navigator.gpu (WebGPU needs a recent Chrome/Edge on https:// or localhost, or Chromium with --enable-unsafe-webgpu)' };
  }
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { available: false, reason: `navigator.gpu.requestAdapter() failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (adapter === null) return { available: false, reason: 'navigator.gpu.requestAdapter() found no adapter (no usable GPU, or its driver is blocked)' };
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter((w): w is string => w !== undefined && w !== '');
  const description = words.length > 0 ? [...new Set(words)].join(' ') : 'unnamed adapter';
  const software = /swiftshader/i.test(description) || adapter.isFallbackAdapter === true;
  return { available: true, description, software };
}

export function pageInfo(): PageInfo {
  const { version, renderer } = webglRenderer();
  const onWebgl = tf.getBackend() === 'webgl';
  return {
    backend: tf.getBackend(),
    tfjsVersion: tf.version.tfjs,
    webglVersion: version,
    renderer,
    float32Textures: onWebgl ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : false,
  };
}

/** The kernels manual backprop, the page's predictions and the checker call. */
const PAGE_KERNELS = [ManualRelu, ManualReluGrad, ManualSoftmax, ManualSoftmaxCrossEntropy, ManualSoftmaxCrossEntropyGrad];

/** Whether handgrad's kernels are registered for `backend` (manual backprop and the checker need them). */
export function hasHandgradKernels(backend: WebBackend): boolean {
  registerCustomOps();
  return PAGE_KERNELS.every((kernel) => tf.getKernel(kernel, backend) !== undefined);
}

/** Every backend the page offers, probed without initialising any of them. */
export async function backendStatuses(): Promise<BackendStatus[]> {
  const gl = webglRenderer();
  const gpu = await webgpuAdapter();
  const swiftshader = (text: string): boolean => /swiftshader/i.test(text);
  return [
    {
      backend: 'webgl',
      available: gl.version > 0,
      detail: gl.version > 0 ? `WebGL ${gl.version}: ${gl.renderer}` : `no WebGL here (${gl.renderer})`,
      software: swiftshader(gl.renderer),
      handgradKernels: hasHandgradKernels('webgl'),
    },
    {
      backend: 'webgpu',
      available: gpu.available,
      detail: gpu.available ? `WebGPU adapter: ${gpu.description}` : `WebGPU is not available: ${gpu.reason}`,
      software: gpu.available && gpu.software,
      handgradKernels: hasHandgradKernels('webgpu'),
    },
    {
      backend: 'wasm',
      available: typeof WebAssembly !== 'undefined',
      detail: 'WebAssembly on the CPU (SIMD, one thread: the page is not cross-origin isolated)',
      software: false,
      handgradKernels: hasHandgradKernels('wasm'),
    },
    { backend: 'cpu', available: true, detail: "tfjs's plain-JavaScript cpu backend", software: false, handgradKernels: hasHandgradKernels('cpu') },
  ];
}

/**
 * Makes `name` the active backend, with handgrad's kernels registered. On webgl, textures must
 * be float32: half floats (11-bit mantissa) would fail every fp32 tolerance in the checker.
 */
export async function useBackend(name: WebBackend): Promise<PageInfo> {
  registerCustomOps();
  if (name === 'webgl') tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
  if (name === 'webgpu' && tf.findBackendFactory('webgpu') === null) {
    throw new Error(`backend webgpu: ${(await webgpuAdapter()).available ? 'tfjs registered no webgpu backend' : 'this browser has no navigator.gpu'}`);
  }
  if (!(await tf.setBackend(name))) {
    const why = name === 'webgpu' ? await webgpuAdapter() : undefined;
    throw new Error(`backend ${name}: tf.setBackend failed in this browser${why !== undefined && !why.available ? ` (${why.reason})` : ''}`);
  }
  await tf.ready();
  if (name === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
    throw new Error(`backend webgl: this GPU (${webglRenderer().renderer}) cannot render to float32 textures`);
  }
  return pageInfo();
}

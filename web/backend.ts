/**
 * Backend selection inside the page: webgl (float32 textures), webgpu (registered by tfjs where
 * navigator.gpu exists), wasm (Vite-served .wasm files), cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerCustomOps } from '../custom-ops/index.js';
import type { PageBackend, PageInfo } from '../src/browser/protocol.js';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

/** The WebGL context the browser gives a fresh canvas: version and unmasked renderer string. */
export function webglRenderer(): { version: number; renderer: string } {
  const canvas = document.createElement('canvas');
  const gl2 = canvas.getContext('webgl2');
  const gl = gl2 ?? canvas.getContext('webgl');
  if (gl === null) return { version: 0, renderer: 'no WebGL context' };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = debug === null ? String(gl.getParameter(gl.RENDERER)) : String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { version: gl2 === null ? 1 : 2, renderer };
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

/**
 * Makes `name` the active backend, with handgrad's kernels registered. On webgl, textures must
 * be float32: half floats (11-bit mantissa) would fail every fp32 tolerance in the checker.
 */
export async function useBackend(name: PageBackend): Promise<PageInfo> {
  registerCustomOps();
  if (name === 'webgl') tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name}: tf.setBackend failed in this browser`);
  await tf.ready();
  if (name === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
    throw new Error(`backend webgl: this GPU (${webglRenderer().renderer}) cannot render to float32 textures`);
  }
  return pageInfo();
}

/**
 * handgrad/native: handgrad's Node-API tfjs backend (Node only; a browser bundle gets
 * native/browser.ts instead). registerNativeBackend() loads the addon, registers the `native`
 * backend with every handgrad kernel on it; then `await tf.setBackend('native')`.
 */
export { NATIVE_BACKEND_NAME, nativeInfo, registerNativeBackend } from './backend.js';
export type { NativeInfo } from './addon.js';

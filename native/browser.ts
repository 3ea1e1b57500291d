/**
 * What a browser bundle gets for handgrad/native (the package's non-`node` condition): the names
 * of native/index.ts, without the addon, so isomorphic code bundles and fails only if it calls them.
 * (The package's types for this subpath are native/index.ts's; a test keeps the names equal.)
 */
const NODE_ONLY = 'handgrad/native: the native backend is a Node-API addon and runs only in Node (in a browser use the webgl, wasm or cpu backend)';

export const NATIVE_BACKEND_NAME = 'native';

export function registerNativeBackend(): void {
  throw new Error(NODE_ONLY);
}

export function nativeInfo(): never {
  throw new Error(NODE_ONLY);
}

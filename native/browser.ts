/**
 * What a browser bundle gets for handgrad/native (the package's non-`node` condition): the same
 * names, without the addon, so isomorphic code bundles and fails only if it calls them.
 */
import type * as NativeApi from './index.js';

const NODE_ONLY = 'handgrad/native: the native backend is a Node-API addon and runs only in Node (in a browser use the webgl, wasm or cpu backend)';

export const NATIVE_BACKEND_NAME: typeof NativeApi.NATIVE_BACKEND_NAME = 'native';

export const registerNativeBackend: typeof NativeApi.registerNativeBackend = () => {
  throw new Error(NODE_ONLY);
};

export const nativeInfo: typeof NativeApi.nativeInfo = () => {
  throw new Error(NODE_ONLY);
};

import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Every handgrad kernel on the wasm backend, one file each beside this list. */
export const wasmKernelConfigs: KernelConfig[] = [];

/**
 * The browser build's stand-in for custom-ops/backends/native/index.ts: the native backend is a
 * Node-API addon (src/native/addon.ts reads node:fs at import time), which no browser can load,
 * so the page registers no kernels for it.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';

export const nativeKernelConfigs: KernelConfig[] = [];

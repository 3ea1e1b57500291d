import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Every handgrad kernel on the webgl backend, one file each beside this list. */
export const webglKernelConfigs: KernelConfig[] = [];

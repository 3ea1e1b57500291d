import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Every handgrad kernel on the tensorflow (tfjs-node) backend, one file each beside this list. */
export const tensorflowKernelConfigs: KernelConfig[] = [];

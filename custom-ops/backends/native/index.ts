import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Every handgrad kernel on the native backend, one file each beside this list. */
export const nativeKernelConfigs: KernelConfig[] = [];

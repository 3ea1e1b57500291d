/** dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / N, gradCE for one-hot rows. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropyGrad } from '../../kernel_names.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { softmaxCrossEntropyGradArrays } from '../common/array_kernels.js';

export const manualSoftmaxCrossEntropyGrad = arrayKernelFunc(softmaxCrossEntropyGradArrays, wasmMemory);
export const manualSoftmaxCrossEntropyGradConfig: KernelConfig = { kernelName: ManualSoftmaxCrossEntropyGrad, backendName: 'wasm', kernelFunc: manualSoftmaxCrossEntropyGrad };

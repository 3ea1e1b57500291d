/** L = (1/N) Σ_n ((Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk), accumulated in float64. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualSoftmaxCrossEntropy } from '../../kernel_names.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { softmaxCrossEntropyArrays } from '../common/array_kernels.js';

export const manualSoftmaxCrossEntropy = arrayKernelFunc(softmaxCrossEntropyArrays, wasmMemory);
export const manualSoftmaxCrossEntropyConfig: KernelConfig = { kernelName: ManualSoftmaxCrossEntropy, backendName: 'wasm', kernelFunc: manualSoftmaxCrossEntropy };

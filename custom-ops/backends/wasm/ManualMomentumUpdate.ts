/** v' = γ·v + α·∇, W' = W − v'. Outputs [W', v']. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ManualMomentumUpdate } from '../../kernel_names.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { momentumUpdateArrays } from '../common/array_kernels.js';

export const manualMomentumUpdate = arrayKernelFunc(momentumUpdateArrays, wasmMemory);
export const manualMomentumUpdateConfig: KernelConfig = { kernelName: ManualMomentumUpdate, backendName: 'wasm', kernelFunc: manualMomentumUpdate };

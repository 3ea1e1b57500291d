/**
 * handgrad's elementwise and update kernels as the GPU backends (webgl, webgpu) run them: a
 * sequence of elementwise programs (gpu_elementwise.ts). A GPU program writes one output, so an
 * update with k outputs is k programs: the new slots first, then W' from them.
 */
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  checkedAdamUpdateArgs,
  checkedHiddenDeltaInputs,
  checkedMomentumUpdateArgs,
  checkedReluGradInputs,
  checkedReluInputs,
  checkedSgdUpdateArgs,
} from '../../util/kernel_checks.js';
import { backendMatMul } from '../../util/backend_kernels.js';
import { adamBiasCorrections } from '../../util/update_loops.js';
import {
  ADAM_FIRST_MOMENT,
  ADAM_PARAM,
  ADAM_SECOND_MOMENT,
  MOMENTUM_PARAM,
  MOMENTUM_VELOCITY,
  RELU,
  RELU_GRAD,
  SGD_PARAM,
  type ElementwiseOp,
} from './gpu_elementwise.js';

/** What a GPU kernel may do on its backend. */
export type GpuContext = {
  backendName: string;
  backend: unknown;
  /** Runs `op` over same-shaped inputs (uniform values in the op's order); the output has their shape. */
  elementwise(op: ElementwiseOp, inputs: TensorInfo[], uniforms?: number[]): TensorInfo;
  dispose(info: TensorInfo): void;
};

export type GpuKernel<Args> = {
  checked: (inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined) => Args;
  run: (gpu: GpuContext, args: Args) => TensorInfo | TensorInfo[];
};

/** The kernel on a GPU backend whose context `contextOf` makes. */
export function gpuKernelFunc<Args>(kernel: GpuKernel<Args>, contextOf: (backend: unknown) => GpuContext): KernelFunc {
  return ({ inputs, backend, attrs }) => kernel.run(contextOf(backend), kernel.checked(inputs, attrs));
}

type Checked<F extends (...args: never[]) => unknown> = ReturnType<F>;

export const reluGpu: GpuKernel<Checked<typeof checkedReluInputs>> = {
  checked: checkedReluInputs,
  run: (gpu, { x }) => gpu.elementwise(RELU, [x]),
};

export const reluGradGpu: GpuKernel<Checked<typeof checkedReluGradInputs>> = {
  checked: checkedReluGradInputs,
  run: (gpu, { dy, x }) => gpu.elementwise(RELU_GRAD, [dy, x]),
};

export const sgdUpdateGpu: GpuKernel<Checked<typeof checkedSgdUpdateArgs>> = {
  checked: checkedSgdUpdateArgs,
  run: (gpu, { param, grad, lr }) => gpu.elementwise(SGD_PARAM, [param, grad], [lr]),
};

export const momentumUpdateGpu: GpuKernel<Checked<typeof checkedMomentumUpdateArgs>> = {
  checked: checkedMomentumUpdateArgs,
  run: (gpu, { param, grad, velocity, lr, momentum }) => {
    const newVelocity = gpu.elementwise(MOMENTUM_VELOCITY, [velocity, grad], [momentum, lr]);
    return [gpu.elementwise(MOMENTUM_PARAM, [param, newVelocity]), newVelocity];
  },
};

export const adamUpdateGpu: GpuKernel<Checked<typeof checkedAdamUpdateArgs>> = {
  checked: checkedAdamUpdateArgs,
  run: (gpu, { param, grad, m, v, lr, beta1, beta2, epsilon, step }) => {
    const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
    const newM = gpu.elementwise(ADAM_FIRST_MOMENT, [m, grad], [beta1, 1 - beta1]);
    const newV = gpu.elementwise(ADAM_SECOND_MOMENT, [v, grad], [beta2, 1 - beta2]);
    return [gpu.elementwise(ADAM_PARAM, [param, newM, newV], [lr, c1, c2, epsilon]), newM, newV];
  },
};

/** (dy·Wᵀ) ⊙ 1(preActivation > 0): the backend's BatchMatMul, then the relu-gradient program. */
export const hiddenDeltaGpu: GpuKernel<Checked<typeof checkedHiddenDeltaInputs>> = {
  checked: checkedHiddenDeltaInputs,
  run: (gpu, { dy, w, preActivation }) => {
    const product = backendMatMul(gpu.backendName, gpu.backend, dy, w, false, true);
    const out = gpu.elementwise(RELU_GRAD, [product, preActivation]);
    gpu.dispose(product);
    return out;
  },
};

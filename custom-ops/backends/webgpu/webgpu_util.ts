/** Shape plumbing shared by handgrad's webgpu kernels (types only from tfjs-backend-webgpu). */
import { getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { rowLayout, type RowLayout } from '../../util/row_layout.js';
import { wgslElementwiseProgram } from '../common/gpu_elementwise.js';
import type { GpuContext } from '../common/gpu_kernels.js';

export function asWebGPU(backend: unknown): WebGPUBackend {
  return backend as WebGPUBackend;
}

/**
 * Reshapes through the webgpu backend's own Reshape kernel: a new TensorInfo on the same GPU
 * buffer (reference-counted, no copy), to be given back with disposeAll.
 */
export function reshapeWebGPU(backend: WebGPUBackend, x: TensorInfo, shape: number[]): TensorInfo {
  const reshape = getKernel('Reshape', 'webgpu');
  if (reshape === undefined) throw new Error('webgpu: the Reshape kernel is not registered');
  return reshape.kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as TensorInfo;
}

/** A tensor viewed as [rows, cols] over its last axis, plus whatever must be disposed after. */
export type RowView = { matrix: TensorInfo; layout: RowLayout; temporaries: TensorInfo[] };

export function asRows(backend: WebGPUBackend, x: TensorInfo): RowView {
  const layout = rowLayout(x.shape);
  if (x.shape.length === 2) return { matrix: x, layout, temporaries: [] };
  const matrix = reshapeWebGPU(backend, x, [layout.rows, layout.cols]);
  return { matrix, layout, temporaries: [matrix] };
}

/** The tensor as one flat [size] vector (the elementwise programs' view, whatever the rank). */
export function asFlat(backend: WebGPUBackend, x: TensorInfo): { flat: TensorInfo; temporaries: TensorInfo[] } {
  if (x.shape.length === 1) return { flat: x, temporaries: [] };
  const size = x.shape.reduce((a, b) => a * b, 1);
  const flat = reshapeWebGPU(backend, x, [size]);
  return { flat, temporaries: [flat] };
}

/** Values for a program's f32 uniforms, in the order the program declares them. */
export function f32Uniforms(...values: number[]): { type: 'float32'; data: number[] }[] {
  return values.map((value) => ({ type: 'float32', data: [value] }));
}

/** Gives a program's [rows, cols] (or flat) result the caller's shape. */
export function withShape(backend: WebGPUBackend, result: TensorInfo, shape: number[]): TensorInfo {
  if (result.shape.length === shape.length && result.shape.every((d, i) => d === shape[i])) return result;
  const out = reshapeWebGPU(backend, result, shape);
  disposeAll(backend, [result]);
  return out;
}

export function disposeAll(backend: WebGPUBackend, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The webgpu backend as the shared GPU kernels see it: elementwise programs run over flat views. */
export function webgpuContext(backend: unknown): GpuContext {
  const gpu = asWebGPU(backend);
  return {
    backendName: 'webgpu',
    backend: gpu,
    elementwise: (op, inputs, uniforms = []) => {
      const views = inputs.map((input) => asFlat(gpu, input));
      const flat = views.map((view) => view.flat);
      const out = gpu.runWebGPUProgram(wgslElementwiseProgram(op, flat[0].shape[0]), flat, 'float32', f32Uniforms(...uniforms));
      disposeAll(gpu, views.flatMap((view) => view.temporaries));
      return withShape(gpu, out, inputs[0].shape);
    },
    dispose: (info) => disposeAll(gpu, [info]),
  };
}

/** Shape plumbing shared by handgrad's webgl kernels. */
import { getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { rowLayout, type RowLayout } from '../../util/row_layout.js';
import { glslElementwiseProgram } from '../common/gpu_elementwise.js';
import type { GpuContext } from '../common/gpu_kernels.js';

export function asWebGL(backend: unknown): MathBackendWebGL {
  return backend as MathBackendWebGL;
}

/**
 * Reshapes through the webgl backend's own Reshape kernel, which re-lays a packed texture
 * when the new shape needs it (a bare {dataId, shape} would misread packed data).
 */
export function reshapeWebGL(backend: MathBackendWebGL, x: TensorInfo, shape: number[]): TensorInfo {
  const reshape = getKernel('Reshape', 'webgl');
  if (reshape === undefined) throw new Error('webgl: the Reshape kernel is not registered');
  return reshape.kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as TensorInfo;
}

/** A tensor viewed as [rows, cols] over its last axis, plus whatever must be disposed after. */
export type RowView = { matrix: TensorInfo; layout: RowLayout; temporaries: TensorInfo[] };

export function asRows(backend: MathBackendWebGL, x: TensorInfo): RowView {
  const layout = rowLayout(x.shape);
  if (x.shape.length === 2) return { matrix: x, layout, temporaries: [] };
  const matrix = reshapeWebGL(backend, x, [layout.rows, layout.cols]);
  return { matrix, layout, temporaries: [matrix] };
}

export function disposeAll(backend: MathBackendWebGL, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeIntermediateTensorInfo(info);
}

/** The webgl backend as the shared GPU kernels see it. */
export function webglContext(backend: unknown): GpuContext {
  const gl = asWebGL(backend);
  return {
    backendName: 'webgl',
    backend: gl,
    elementwise: (op, inputs, uniforms = []) =>
      gl.runWebGLProgram(glslElementwiseProgram(op, inputs[0].shape), inputs, 'float32', uniforms.map((value) => [value])),
    dispose: (info) => gl.disposeIntermediateTensorInfo(info),
  };
}

/**
 * The slice of tfjs-node's NodeJSKernelBackend that our kernels use, typed structurally so the
 * plugin compiles and loads without @tensorflow/tfjs-node (an optional dependency). Mirrors
 * tfjs-node/src/nodejs_kernel_backend.ts: ops run eagerly in libtensorflow through
 * executeSingleOutput(opName, opAttrs, inputs), attrs built as createTensorsTypeOpAttr does.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataType, Tensor, TensorInfo } from '@tensorflow/tfjs-core';

/** One TFE op attribute, as tfjs-node's binding takes it. */
export type TFEOpAttr = { name: string; type: number; value: boolean | number | string | number[] };

/** The libtensorflow enum values the binding exposes. */
export type TensorflowBinding = {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_FLOAT: number;
  TF_INT32: number;
};

export type TensorflowBackend = {
  binding: TensorflowBinding;
  executeSingleOutput(name: string, opAttrs: TFEOpAttr[], inputs: TensorInfo[]): Tensor;
};

/** tfjs-node's createTensorsTypeOpAttr(attrName, dtype). */
export function typeAttr(backend: TensorflowBackend, attrName: string, dtype: DataType): TFEOpAttr {
  const value = dtype === 'float32' ? backend.binding.TF_FLOAT : dtype === 'int32' ? backend.binding.TF_INT32 : undefined;
  if (value === undefined) throw new Error(`tensorflow backend: dtype ${dtype} is not used by handgrad kernels`);
  return { name: attrName, type: backend.binding.TF_ATTR_TYPE, value };
}

/** Runs a float32 op whose only attr is T (Relu, ReluGrad, Softmax, LogSoftmax, Mul, Sub, RealDiv). */
export function floatOp(backend: TensorflowBackend, opName: string, inputs: TensorInfo[]): Tensor {
  return backend.executeSingleOutput(opName, [typeAttr(backend, 'T', 'float32')], inputs);
}

/** TF `Sum(input, reduction_indices)` over `axes`, as tfjs-node's Sum kernel calls it. */
export function sumOver(backend: TensorflowBackend, x: TensorInfo, axes: number[], keepDims: boolean): Tensor {
  const axesTensor = tf.tensor1d(axes, 'int32');
  try {
    const attrs = [
      { name: 'keep_dims', type: backend.binding.TF_ATTR_BOOL, value: keepDims },
      typeAttr(backend, 'T', 'float32'),
      typeAttr(backend, 'Tidx', 'int32'),
    ];
    return backend.executeSingleOutput('Sum', attrs, [x, axesTensor]);
  } finally {
    axesTensor.dispose();
  }
}

/** TF `Reshape(tensor, shape)` of a float32 tensor. */
export function reshapeTo(backend: TensorflowBackend, x: TensorInfo, shape: number[]): Tensor {
  const shapeTensor = tf.tensor1d(shape, 'int32');
  try {
    return backend.executeSingleOutput('Reshape', [typeAttr(backend, 'T', 'float32'), typeAttr(backend, 'Tshape', 'int32')], [x, shapeTensor]);
  } finally {
    shapeTensor.dispose();
  }
}

/** A float32 scalar constant on the active (tensorflow) backend. */
export function floatScalar(value: number): Tensor {
  return tf.scalar(value, 'float32');
}

/** Runs `body`, then disposes every intermediate it passed through `temp`, except the result. */
export function withTemps(body: (temp: <T extends Tensor>(t: T) => T) => Tensor): Tensor {
  const temps: Tensor[] = [];
  let result: Tensor | undefined;
  try {
    result = body((t) => {
      temps.push(t);
      return t;
    });
    return result;
  } finally {
    for (const t of temps) if (t !== result) t.dispose();
  }
}

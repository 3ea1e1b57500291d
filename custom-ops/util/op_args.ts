/** Argument conversion and checks for the public ops, with errors that name the argument (shape checks: kernel_checks.ts). */
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, NamedTensorMap, Tensor, TensorLike } from '@tensorflow/tfjs-core';
import { ensureCustomOpsRegistered } from '../register.js';
import { assertDim, assertMatrix, assertSameShape } from './kernel_checks.js';

export type TensorOrLike = Tensor | TensorLike;

function isTensorLike(value: unknown): value is TensorLike {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return true;
  if (ArrayBuffer.isView(value)) return true;
  return Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

function shapeText(shape: readonly number[]): string {
  return JSON.stringify(shape);
}

/**
 * Like tfjs-core's convertToTensor: a Tensor passes through; a TensorLike becomes a tensor
 * with its inferred dtype (JS numbers → float32). Call inside tf.tidy so a converted
 * tensor is freed with the op's scope.
 */
export function toTensor(value: TensorOrLike, argName: string, opName: string): Tensor {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw new Error(`${opName}: argument '${argName}' is a disposed tensor`);
    return value;
  }
  if (!isTensorLike(value)) {
    throw new Error(`${opName}: argument '${argName}' must be a Tensor or TensorLike, but got ${describe(value)}`);
  }
  let tensor: Tensor;
  try {
    tensor = tf.tensor(value);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`${opName}: argument '${argName}' is not a valid tensor (${reason})`, { cause: error });
  }
  // tfjs infers the shape from the first element of each level and only checks ragged nesting
  // in debug mode, so [[1, 2], [3]] would become a [2,2] tensor holding 3 values.
  if (Array.isArray(value)) {
    const count = tf.util.flatten(value).length;
    if (count !== tensor.size) {
      tensor.dispose();
      throw new Error(`${opName}: argument '${argName}' is not a valid tensor (ragged array: shape ${shapeText(tensor.shape)} needs ${tensor.size} values, got ${count})`);
    }
  }
  return tensor;
}

/** float32, rank ≥ 1, at least one element. */
export function checkFloatNonEmpty(t: Tensor, argName: string, opName: string): void {
  if (t.dtype !== 'float32') {
    throw new Error(`${opName}: argument '${argName}' must be float32 but has dtype ${t.dtype}`);
  }
  if (t.rank < 1) {
    throw new Error(`${opName}: argument '${argName}' must have rank >= 1 but is a scalar (rank 0)`);
  }
  if (t.size === 0) {
    throw new Error(`${opName}: argument '${argName}' is empty (shape ${shapeText(t.shape)}); zero-size inputs are not supported`);
  }
}

export function checkSameShape(a: Tensor, aName: string, b: Tensor, bName: string, opName: string): void {
  assertSameShape(opName, aName, a, bName, b, 'argument');
}

/** A float32 tensor holding exactly one value (the upstream gradient of a scalar loss). */
export function checkFloatScalar(t: Tensor, argName: string, opName: string): void {
  if (t.dtype !== 'float32') {
    throw new Error(`${opName}: argument '${argName}' must be float32 but has dtype ${t.dtype}`);
  }
  if (t.size !== 1) {
    throw new Error(`${opName}: argument '${argName}' must be a scalar but has shape ${shapeText(t.shape)}`);
  }
}

/** A float32 matrix (rank 2) with at least one element. */
export function checkFloatMatrix(t: Tensor, argName: string, opName: string): void {
  checkFloatNonEmpty(t, argName, opName);
  assertMatrix(opName, argName, t, 'argument');
}

/** Two dimensions that must agree, named after the arguments they belong to. */
export function checkDim(got: number, what: string, want: number, wantWhat: string, opName: string): void {
  assertDim(opName, what, got, want, wantWhat);
}

/**
 * The plumbing every public op shares: registers the kernels, then in a tidy converts each argument
 * of `args` in order (an error names it), runs `check` over the tensors and runs the kernel on them.
 */
export function runKernelOp<R extends Tensor | Tensor[]>(kernelName: string, opName: string, args: Record<string, TensorOrLike>, check: (inputs: NamedTensorMap) => void, attrs?: NamedAttrMap): R {
  ensureCustomOpsRegistered();
  return tf.tidy(() => {
    const inputs: NamedTensorMap = {};
    for (const [name, value] of Object.entries(args)) inputs[name] = toTensor(value, name, opName);
    check(inputs);
    return tf.engine().runKernel<R>(kernelName, inputs, attrs);
  });
}

/** Checks an optimizer update's tensors: each float32 and non-empty, each after `param` of param's shape. */
export function checkUpdateInputs(inputs: NamedTensorMap, opName: string): void {
  for (const [name, t] of Object.entries(inputs)) checkFloatNonEmpty(t, name, opName);
  for (const [name, t] of Object.entries(inputs).slice(1)) checkSameShape(t, name, inputs.param, 'param', opName);
}

/**
 * The public op of a kernel whose inputs are float32, non-empty tensors of one shape, named `names`
 * in argument order.
 */
export function sameShapeFloatOp(kernelName: string, opName: string, names: readonly string[]): <T extends Tensor>(...args: (T | TensorOrLike)[]) => T {
  return <T extends Tensor>(...args: (T | TensorOrLike)[]): T =>
    runKernelOp<T>(kernelName, opName, Object.fromEntries(names.map((name, i) => [name, args[i]])), (inputs) => {
      for (const name of names) checkFloatNonEmpty(inputs[name], name, opName);
      for (const name of names.slice(1)) checkSameShape(inputs[names[0]], names[0], inputs[name], name, opName);
    });
}

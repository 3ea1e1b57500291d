/**
 * handgrad's argument checks, in one place: the checks a kernel makes on its own inputs (for callers
 * that reach it through tf.engine().runKernel), and the shape checks the ops make on their arguments
 * (util/op_args.ts). A message names the kernel or op and the input ('input') or argument ('argument').
 */
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import {
  ManualAdamUpdate,
  ManualDenseParamGrads,
  ManualHiddenDelta,
  ManualMomentumUpdate,
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  ManualSgdUpdate,
  kernelInputs,
  type ManualDenseParamGradsInputs,
  type ManualHiddenDeltaInputs,
  type ManualAdamUpdateAttrs,
  type ManualAdamUpdateInputs,
  type ManualMomentumUpdateAttrs,
  type ManualMomentumUpdateInputs,
  type ManualReluGradInputs,
  type ManualReluInputs,
  type ManualSoftmaxCrossEntropyGradInputs,
  type ManualSoftmaxCrossEntropyInputs,
  type ManualSoftmaxInputs,
  type ManualSgdUpdateAttrs,
  type ManualSgdUpdateInputs,
} from '../kernel_names.js';

export function assertFloat32Inputs(kernelName: string, inputs: Record<string, TensorInfo>): void {
  for (const name in inputs) {
    const info = inputs[name];
    if (info.dtype !== 'float32') {
      throw new Error(`${kernelName}: input '${name}' must be float32 but is ${info.dtype}`);
    }
  }
}

/** What a check is given: a tensor or a TensorInfo. */
type Shaped = { shape: readonly number[] };
/** How a message calls what was checked: a kernel's 'input' or an op's 'argument'. */
export type CheckedRole = 'input' | 'argument';

export function assertSameShape(where: string, aName: string, a: Shaped, bName: string, b: Shaped, role: CheckedRole = 'input'): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${where}: ${role} '${aName}' has shape ${JSON.stringify(a.shape)} but '${bName}' has shape ${JSON.stringify(b.shape)}`);
  }
}

export function assertRankAtLeast1(kernelName: string, name: string, info: TensorInfo): void {
  if (info.shape.length < 1) throw new Error(`${kernelName}: input '${name}' must have rank >= 1 but is a scalar`);
}

export function assertScalarLike(kernelName: string, name: string, info: TensorInfo): void {
  const size = info.shape.reduce((a, b) => a * b, 1);
  if (size !== 1) throw new Error(`${kernelName}: input '${name}' must hold one value but has shape ${JSON.stringify(info.shape)}`);
}

/**
 * Each kernel's inputs, typed and checked the same way on every backend: float32, and the
 * shapes the kernel needs.
 */
export function checkedReluInputs(inputs: NamedTensorInfoMap): ManualReluInputs {
  const checked = kernelInputs<ManualReluInputs>(inputs);
  assertFloat32Inputs(ManualRelu, checked);
  return checked;
}

export function checkedReluGradInputs(inputs: NamedTensorInfoMap): ManualReluGradInputs {
  const checked = kernelInputs<ManualReluGradInputs>(inputs);
  assertFloat32Inputs(ManualReluGrad, checked);
  assertSameShape(ManualReluGrad, 'dy', checked.dy, 'x', checked.x);
  return checked;
}

export function checkedSoftmaxInputs(inputs: NamedTensorInfoMap): ManualSoftmaxInputs {
  const checked = kernelInputs<ManualSoftmaxInputs>(inputs);
  assertFloat32Inputs(ManualSoftmax, checked);
  assertRankAtLeast1(ManualSoftmax, 'logits', checked.logits);
  return checked;
}

/** Rows of logits (rank ≥ 1) and labels of the same shape. */
function assertLabelsAndLogits(kernelName: string, { labels, logits }: ManualSoftmaxCrossEntropyInputs): void {
  assertRankAtLeast1(kernelName, 'logits', logits);
  assertSameShape(kernelName, 'labels', labels, 'logits', logits);
}

export function checkedSoftmaxCrossEntropyInputs(inputs: NamedTensorInfoMap): ManualSoftmaxCrossEntropyInputs {
  const checked = kernelInputs<ManualSoftmaxCrossEntropyInputs>(inputs);
  assertFloat32Inputs(ManualSoftmaxCrossEntropy, checked);
  assertLabelsAndLogits(ManualSoftmaxCrossEntropy, checked);
  return checked;
}

export function checkedSoftmaxCrossEntropyGradInputs(inputs: NamedTensorInfoMap): ManualSoftmaxCrossEntropyGradInputs {
  const checked = kernelInputs<ManualSoftmaxCrossEntropyGradInputs>(inputs);
  assertFloat32Inputs(ManualSoftmaxCrossEntropyGrad, checked);
  assertScalarLike(ManualSoftmaxCrossEntropyGrad, 'dy', checked.dy);
  assertLabelsAndLogits(ManualSoftmaxCrossEntropyGrad, checked);
  return checked;
}

/** Every input float32 and of the parameter's shape (a gradient or slot of another parameter is a bug). */
function assertLikeParam(kernelName: string, inputs: Record<string, TensorInfo> & { param: TensorInfo }): void {
  assertFloat32Inputs(kernelName, inputs);
  for (const name in inputs) if (name !== 'param') assertSameShape(kernelName, name, inputs[name], 'param', inputs.param);
}

/** The named attrs as finite numbers (`step`: an integer ≥ 1). */
export function checkedNumberAttrs<T extends Record<string, number>>(kernelName: string, attrs: NamedAttrMap | undefined, names: readonly (keyof T & string)[]): T {
  const out: Record<string, number> = {};
  for (const name of names) {
    const value = attrs?.[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${kernelName}: attr '${name}' must be a finite number, got ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
    if (name === 'step' && !(Number.isInteger(value) && value >= 1)) throw new Error(`${kernelName}: attr 'step' must be an integer >= 1, got ${value}`);
    out[name] = value;
  }
  return out as T;
}

export function checkedSgdUpdateArgs(inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined): ManualSgdUpdateInputs & ManualSgdUpdateAttrs {
  const checked = kernelInputs<ManualSgdUpdateInputs>(inputs);
  assertLikeParam(ManualSgdUpdate, checked);
  return { ...checked, ...checkedNumberAttrs<ManualSgdUpdateAttrs>(ManualSgdUpdate, attrs, ['lr']) };
}

export function checkedMomentumUpdateArgs(inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined): ManualMomentumUpdateInputs & ManualMomentumUpdateAttrs {
  const checked = kernelInputs<ManualMomentumUpdateInputs>(inputs);
  assertLikeParam(ManualMomentumUpdate, checked);
  return { ...checked, ...checkedNumberAttrs<ManualMomentumUpdateAttrs>(ManualMomentumUpdate, attrs, ['lr', 'momentum']) };
}

export function checkedAdamUpdateArgs(inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined): ManualAdamUpdateInputs & ManualAdamUpdateAttrs {
  const checked = kernelInputs<ManualAdamUpdateInputs>(inputs);
  assertLikeParam(ManualAdamUpdate, checked);
  return { ...checked, ...checkedNumberAttrs<ManualAdamUpdateAttrs>(ManualAdamUpdate, attrs, ['lr', 'beta1', 'beta2', 'epsilon', 'step']) };
}

export function assertMatrix(where: string, name: string, info: Shaped, role: CheckedRole = 'input'): void {
  if (info.shape.length !== 2) throw new Error(`${where}: ${role} '${name}' must be a matrix (rank 2) but has shape ${JSON.stringify(info.shape)}`);
}

/** Two dimensions that must agree, named after what they belong to. */
export function assertDim(where: string, what: string, got: number, want: number, wantWhat: string): void {
  if (got !== want) throw new Error(`${where}: ${what} is ${got} but ${wantWhat} is ${want}`);
}

/** x: N×in and dy: N×out, float32. */
export function checkedDenseParamGradsInputs(inputs: NamedTensorInfoMap): ManualDenseParamGradsInputs {
  const checked = kernelInputs<ManualDenseParamGradsInputs>(inputs);
  assertFloat32Inputs(ManualDenseParamGrads, checked);
  assertMatrix(ManualDenseParamGrads, 'x', checked.x);
  assertMatrix(ManualDenseParamGrads, 'dy', checked.dy);
  assertDim(ManualDenseParamGrads, "the rows of 'dy'", checked.dy.shape[0], checked.x.shape[0], "the rows of 'x'");
  return checked;
}

/** dy: N×out, w: in×out, preActivation: N×in, float32. */
export function checkedHiddenDeltaInputs(inputs: NamedTensorInfoMap): ManualHiddenDeltaInputs {
  const checked = kernelInputs<ManualHiddenDeltaInputs>(inputs);
  assertFloat32Inputs(ManualHiddenDelta, checked);
  for (const name of ['dy', 'w', 'preActivation'] as const) assertMatrix(ManualHiddenDelta, name, checked[name]);
  const { dy, w, preActivation } = checked;
  assertDim(ManualHiddenDelta, "the columns of 'w'", w.shape[1], dy.shape[1], "the columns of 'dy'");
  assertDim(ManualHiddenDelta, "the rows of 'preActivation'", preActivation.shape[0], dy.shape[0], "the rows of 'dy'");
  assertDim(ManualHiddenDelta, "the columns of 'preActivation'", preActivation.shape[1], w.shape[0], "the rows of 'w'");
  return checked;
}

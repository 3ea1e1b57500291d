/**
 * handgrad's kernels over float32 arrays, as the cpu and wasm backends run them (the loops of
 * util/row_loops.ts and util/update_loops.ts, like tfjs-backend-cpu's shared *Impl functions). The
 * native backend takes the same checks and shapes with the addon's loop in place of `loop`.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  checkedAdamUpdateArgs,
  checkedMomentumUpdateArgs,
  checkedReluGradInputs,
  checkedReluInputs,
  checkedSgdUpdateArgs,
  checkedSoftmaxCrossEntropyGradInputs,
  checkedSoftmaxCrossEntropyInputs,
  checkedSoftmaxInputs,
} from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { reluGradInto, reluInto, softmaxCrossEntropyGradInto, softmaxCrossEntropyMean, softmaxRowsInto } from '../../util/row_loops.js';
import { adamUpdateInto, momentumUpdateInto, sgdUpdateInto } from '../../util/update_loops.js';
import type { ArrayKernel } from './array_kernel.js';

type Checked<F extends (...args: never[]) => unknown> = ReturnType<F>;

/** The number of columns of a tensor seen as rows over its last axis. */
export const colsOf = (info: TensorInfo): number => rowLayout(info.shape).cols;

export const reluArrays: ArrayKernel<Checked<typeof checkedReluInputs>> = {
  checked: checkedReluInputs,
  outputShapes: ({ x }) => [x.shape],
  loop: (view, [out], { x }) => reluInto(view(x), out),
};

export const reluGradArrays: ArrayKernel<Checked<typeof checkedReluGradInputs>> = {
  checked: checkedReluGradInputs,
  outputShapes: ({ x }) => [x.shape],
  loop: (view, [out], { dy, x }) => reluGradInto(view(dy), view(x), out),
};

export const softmaxArrays: ArrayKernel<Checked<typeof checkedSoftmaxInputs>> = {
  checked: checkedSoftmaxInputs,
  outputShapes: ({ logits }) => [logits.shape],
  loop: (view, [out], { logits }) => softmaxRowsInto(view(logits), colsOf(logits), out),
};

export const softmaxCrossEntropyArrays: ArrayKernel<Checked<typeof checkedSoftmaxCrossEntropyInputs>> = {
  checked: checkedSoftmaxCrossEntropyInputs,
  outputShapes: () => [[]],
  loop: (view, [out], { labels, logits }) => {
    out[0] = softmaxCrossEntropyMean(view(labels), view(logits), colsOf(logits));
  },
};

export const softmaxCrossEntropyGradArrays: ArrayKernel<Checked<typeof checkedSoftmaxCrossEntropyGradInputs>> = {
  checked: checkedSoftmaxCrossEntropyGradInputs,
  outputShapes: ({ logits }) => [logits.shape],
  loop: (view, [out], { dy, labels, logits }) => softmaxCrossEntropyGradInto(view(dy)[0], view(labels), view(logits), colsOf(logits), out),
};

export const sgdUpdateArrays: ArrayKernel<Checked<typeof checkedSgdUpdateArgs>> = {
  checked: checkedSgdUpdateArgs,
  outputShapes: ({ param }) => [param.shape],
  loop: (view, [out], { param, grad, lr }) => sgdUpdateInto(view(param), view(grad), lr, out),
};

export const momentumUpdateArrays: ArrayKernel<Checked<typeof checkedMomentumUpdateArgs>> = {
  checked: checkedMomentumUpdateArgs,
  outputShapes: ({ param }) => [param.shape, param.shape],
  loop: (view, [outParam, outVelocity], { param, grad, velocity, lr, momentum }) =>
    momentumUpdateInto(view(param), view(grad), view(velocity), lr, momentum, outParam, outVelocity),
};

export const adamUpdateArrays: ArrayKernel<Checked<typeof checkedAdamUpdateArgs>> = {
  checked: checkedAdamUpdateArgs,
  outputShapes: ({ param }) => [param.shape, param.shape, param.shape],
  loop: (view, [outParam, outM, outV], { param, grad, m, v, ...coefficients }) =>
    adamUpdateInto(view(param), view(grad), view(m), view(v), coefficients, outParam, outM, outV),
};

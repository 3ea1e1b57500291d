import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualReluGrad } from '../kernel_names.js';
import { sameShapeFloatOp, type TensorOrLike } from '../util/op_args.js';

/** dx = dy ⊙ 1(x > 0) (relu'(0) = 0), by the hand-written ManualReluGrad kernel. */
export const manualReluGrad: <T extends Tensor>(dy: T | TensorOrLike, x: T | TensorOrLike) => T = sameShapeFloatOp(ManualReluGrad, 'manualReluGrad', ['dy', 'x']);

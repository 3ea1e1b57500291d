import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualRelu } from '../kernel_names.js';
import { sameShapeFloatOp, type TensorOrLike } from '../util/op_args.js';

/** y = max(0, x) elementwise, by the hand-written ManualRelu kernel. x: float32, rank ≥ 1, non-empty. */
export const manualRelu: <T extends Tensor>(x: T | TensorOrLike) => T = sameShapeFloatOp(ManualRelu, 'manualRelu', ['x']);

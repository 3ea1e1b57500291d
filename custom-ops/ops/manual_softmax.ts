import type { Tensor } from '@tensorflow/tfjs-core';
import { ManualSoftmax } from '../kernel_names.js';
import { sameShapeFloatOp, type TensorOrLike } from '../util/op_args.js';

/** Softmax over the last axis, each row shifted by its own max, by the ManualSoftmax kernel. */
export const manualSoftmax: <T extends Tensor>(logits: T | TensorOrLike) => T = sameShapeFloatOp(ManualSoftmax, 'manualSoftmax', ['logits']);

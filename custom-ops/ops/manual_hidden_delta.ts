import type { Tensor2D } from '@tensorflow/tfjs-core';
import { ManualHiddenDelta } from '../kernel_names.js';
import { checkDim, checkFloatMatrix, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * The delta of the hidden layer below a dense layer, G_{l−1} = (G_l·W_lᵀ) ⊙ 1(R_{l−1} > 0), by the
 * ManualHiddenDelta kernel: the product and the relu mask in one kernel. dy = G_l: N×out, w = W_l: in×out, preActivation = R_{l−1}: N×in.
 */
export function manualHiddenDelta(dy: Tensor2D | TensorOrLike, w: Tensor2D | TensorOrLike, preActivation: Tensor2D | TensorOrLike): Tensor2D {
  const op = 'manualHiddenDelta';
  return runKernelOp<Tensor2D>(ManualHiddenDelta, op, { dy, w, preActivation }, ({ dy, w, preActivation }) => {
    checkFloatMatrix(dy, 'dy', op);
    checkFloatMatrix(w, 'w', op);
    checkFloatMatrix(preActivation, 'preActivation', op);
    const [rows, outputs] = dy.shape as [number, number];
    const [inputs, wOutputs] = w.shape as [number, number];
    checkDim(wOutputs, "the columns of 'w'", outputs, "the columns of 'dy'", op);
    checkDim(preActivation.shape[0], "the rows of 'preActivation'", rows, "the rows of 'dy'", op);
    checkDim(preActivation.shape[1] as number, "the columns of 'preActivation'", inputs, "the rows of 'w'", op);
  });
}

import type { Tensor2D, Tensor1D } from '@tensorflow/tfjs-core';
import { ManualDenseParamGrads } from '../kernel_names.js';
import { checkDim, checkFloatMatrix, runKernelOp, type TensorOrLike } from '../util/op_args.js';

/**
 * The gradients of a dense layer R = X·W + b with respect to W and b for an upstream dy = ∂L/∂R:
 * dW = Xᵀ·dy and db = 1ᵀ·dy, by the ManualDenseParamGrads kernel. x: N×in, dy: N×out.
 */
export function manualDenseParamGrads(x: Tensor2D | TensorOrLike, dy: Tensor2D | TensorOrLike): { dW: Tensor2D; db: Tensor1D } {
  const op = 'manualDenseParamGrads';
  const [dW, db] = runKernelOp<[Tensor2D, Tensor1D]>(ManualDenseParamGrads, op, { x, dy }, ({ x, dy }) => {
    checkFloatMatrix(x, 'x', op);
    checkFloatMatrix(dy, 'dy', op);
    checkDim(dy.shape[0], "the rows of 'dy'", x.shape[0], "the rows of 'x'", op);
  });
  return { dW, db };
}

/** dW = xᵀ·dy by TF BatchMatMulV2 (adj_x) and db = 1ᵀ·dy by TF BiasAddGrad (sums over the rows). 2 ops. */
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

export function denseParamGradsOps<H>(ops: TfOps<H>, x: H, dy: H): [H, H] {
  const dW = ops.matMul(x, dy, true, false);
  const [db] = ops.run('BiasAddGrad', [ops.typeAttr('T', 'float32'), ops.stringAttr('data_format', 'NHWC')], [dy]);
  return [dW, db];
}

export const manualDenseParamGrads = eagerKernelFunc(checkedDenseParamGradsInputs, (ops, { x, dy }) => denseParamGradsOps(ops, ops.input(x), ops.input(dy)));

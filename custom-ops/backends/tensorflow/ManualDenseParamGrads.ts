/** dW = xᵀ·dy by TF BatchMatMulV2 (adj_x) and db = 1ᵀ·dy by TF BiasAddGrad (sums over the rows). 2 ops. */
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualDenseParamGrads = eagerKernelFunc(checkedDenseParamGradsInputs, (ops, { x, dy }) => {
  const g = ops.input(dy);
  const dW = ops.matMul(ops.input(x), g, true, false);
  const [db] = ops.run('BiasAddGrad', [ops.typeAttr('T', 'float32'), ops.stringAttr('data_format', 'NHWC')], [g]);
  return [dW, db];
});

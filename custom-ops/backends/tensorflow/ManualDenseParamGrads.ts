import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedDenseParamGradsInputs } from '../../util/kernel_checks.js';
import { runEager } from './node_backend.js';

/** dW = xᵀ·dy by TF BatchMatMulV2 (adj_x) and db = 1ᵀ·dy by TF BiasAddGrad (sums over the rows). 2 ops. */
export const manualDenseParamGrads: KernelFunc = ({ inputs, backend }): Tensor[] => {
  const { x, dy } = checkedDenseParamGradsInputs(inputs);
  return runEager(backend, (ops) => {
    const g = ops.input(dy);
    const dW = ops.matMul(ops.input(x), g, true, false);
    const [db] = ops.run('BiasAddGrad', [ops.typeAttr('T', 'float32'), ops.stringAttr('data_format', 'NHWC')], [g]);
    return [ops.output(dW), ops.output(db)];
  });
};

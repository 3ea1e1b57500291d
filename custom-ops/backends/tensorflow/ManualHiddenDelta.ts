import type { KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { maskedByStep } from './ManualReluGrad.js';
import { runEager } from './node_backend.js';

/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): TF BatchMatMulV2 (adj_y), then the mask of ManualReluGrad
 * (relu'(0) = 0, +0 where preActivation ≤ 0, NaN where it is NaN). 4 ops.
 */
export const manualHiddenDelta: KernelFunc = ({ inputs, backend }): Tensor => {
  const { dy, w, preActivation } = checkedHiddenDeltaInputs(inputs);
  return runEager(backend, (ops) => {
    const product = ops.matMul(ops.input(dy), ops.input(w), false, true);
    return ops.output(maskedByStep(ops, product, ops.input(preActivation)));
  });
};

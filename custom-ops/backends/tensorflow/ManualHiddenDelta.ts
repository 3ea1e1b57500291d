/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): TF BatchMatMulV2 (adj_y), then the mask of ManualReluGrad
 * (relu'(0) = 0, +0 where preActivation ≤ 0, NaN where it is NaN). 4 ops.
 */
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { maskedByStep } from './ManualReluGrad.js';
import { eagerKernelFunc } from './node_backend.js';

export const manualHiddenDelta = eagerKernelFunc(checkedHiddenDeltaInputs, (ops, { dy, w, preActivation }) =>
  maskedByStep(ops, ops.matMul(ops.input(dy), ops.input(w), false, true), ops.input(preActivation)),
);

/**
 * (dy·Wᵀ) ⊙ 1(preActivation > 0): TF BatchMatMulV2 (adj_y), then the mask of ManualReluGrad
 * (relu'(0) = 0, +0 where preActivation ≤ 0, NaN where it is NaN). 4 ops.
 */
import { checkedHiddenDeltaInputs } from '../../util/kernel_checks.js';
import { maskedByStep } from './ManualReluGrad.js';
import { eagerKernelFunc, type TfOps } from './node_backend.js';

export function hiddenDeltaOps<H>(ops: TfOps<H>, dy: H, w: H, preActivation: H): H {
  return maskedByStep(ops, ops.matMul(dy, w, false, true), preActivation);
}

export const manualHiddenDelta = eagerKernelFunc(checkedHiddenDeltaInputs, (ops, { dy, w, preActivation }) =>
  hiddenDeltaOps(ops, ops.input(dy), ops.input(w), ops.input(preActivation)),
);

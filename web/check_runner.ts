/**
 * The gradient checker of `npm run compare` (src/compare/checks.ts) in stages, so the page can show
 * how far it got; it runs in a worker, which the page terminates to cancel it.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomOps } from '../custom-ops/index.js';
import { mlpChecks, opChecks, validateCheckOptions, type CheckOptions, type CheckReport, type CheckRow } from '../src/compare/checks.js';

export type CheckStage = { label: string; run: (options: CheckOptions) => CheckRow[] };

export const CHECK_STAGES: readonly CheckStage[] = [
  { label: 'each hand-written op (ReLU, softmax, cross-entropy) against tfjs and float64 finite differences', run: opChecks },
  { label: 'every ∂L/∂W and ∂L/∂b of the MLP: manual backprop, autodiff, float64, finite differences', run: mlpChecks },
];

/** runChecks' rows and leak check, stage by stage; `onStage` hears before each stage, with the rows so far. */
export async function runCheckStages(options: CheckOptions, onStage: (stage: number, stages: number, label: string, rowsDone: number) => void): Promise<CheckReport> {
  validateCheckOptions(options);
  registerCustomOps();
  const before = tf.memory().numTensors;
  const checks: CheckRow[] = [];
  for (const [i, stage] of CHECK_STAGES.entries()) {
    onStage(i + 1, CHECK_STAGES.length, stage.label, checks.length);
    // Lets the stage message leave before the synchronous checks hold the worker.
    await new Promise((resolve) => setTimeout(resolve, 0));
    checks.push(...stage.run(options));
  }
  const leaked = tf.memory().numTensors - before;
  checks.push({ name: 'tf.memory().numTensors after − before', kind: 'leak check', maxAbsErr: leaked, maxRelErr: leaked, tol: 0, pass: leaked === 0, checked: 1, total: 1 });
  return { backend: tf.getBackend(), checks };
}

/** The four hw4 worked examples, run through the plugin; each returns structured rows. */
import { runT1 } from './t1_scalar_chain_rule.js';
import { runT2 } from './t2_activation_shapes.js';
import { runT3 } from './t3_parameter_count.js';
import { runT4 } from './t4_softmax_ce_gradient.js';
import type { ExampleTask } from './types.js';

export { runT1, runT2, runT3, runT4 };
export type { ExampleTask } from './types.js';

/** Runs T1..T4 on the active tfjs backend (custom ops must be registered). */
export function runAllExamples(): ExampleTask[] {
  return [runT1(), runT2(), runT3(), runT4()];
}

export function allRowsMatch(tasks: readonly ExampleTask[]): boolean {
  return tasks.every((t) => t.rows.every((r) => r.match));
}

/** The structured result of one homework task, shared by the text and the JSON renderers. */

/** A scalar, a shape / vector, or a matrix (row-major rows). */
export type Value = number | readonly number[] | readonly (readonly number[])[];

export type TaskId = 'T1' | 'T2' | 'T3' | 'T4';

export interface ExampleRow {
  task: TaskId;
  /** What the row measures, e.g. "dz/dw0" or "H_1 shape (row-major N×out)". */
  quantity: string;
  /** The homework's value (T4: (p − y)/N evaluated in float64). */
  expected: Value;
  /** Our hand-derived path: the chain rule written out, our kernels, our registered gradients. */
  manual: Value;
  /** tfjs's own path, one entry per route (T1: tf.grads through ManualRelu and through tf.relu). */
  autodiff: Readonly<Record<string, Value>>;
  /** T4 only: float64 central finite differences of L. */
  finiteDifference?: Value;
  /** Each column's error against `expected`: manual, "autodiff <route>", finiteDifference. */
  errors: Readonly<Record<string, number>>;
  /** Largest error of any column against `expected`, in the row's metric (0 for exact rows). */
  maxError: number;
  /** The bound `maxError` is held to; 0 means exact equality (shapes, counts). */
  tolerance: number;
  match: boolean;
}

export interface ExampleTask {
  task: TaskId;
  title: string;
  /** The task's inputs as printed in the homework (or how they were generated). */
  inputs: Readonly<Record<string, Value | string>>;
  /** How `maxError` is measured and why the tolerance is what it is. */
  tolerance: string;
  rows: ExampleRow[];
}

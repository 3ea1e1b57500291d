/**
 * Comparisons used by the examples, with the checker's tolerance policy (gradcheck/tolerances.ts):
 * rel(a, b) = |a − b| / max(|a|, |b|, atol), elementwise, maximised over the values.
 */
import { FP32_VS_F64, atolFor as atolOf, maxRelativeError as maxRelativeErrorOf } from '../../gradcheck/tolerances.js';
import type { ExampleRow, TaskId, Value } from './types.js';

/** fp32 results against a float64 / exact value (policy: fp32 vs float64 reference). */
export const FP32_VS_FLOAT64 = FP32_VS_F64.rtol;

function flatten(value: Value): number[] {
  if (typeof value === 'number') return [value];
  return (value as readonly (number | readonly number[])[]).flatMap((v) => (typeof v === 'number' ? [v] : [...v]));
}

function sameStructure(a: Value, b: Value): boolean {
  if (typeof a === 'number' || typeof b === 'number') return typeof a === typeof b;
  if (a.length !== b.length) return false;
  return a.every((row, i) => {
    const other = b[i];
    return typeof row === 'number' ? typeof other === 'number' : typeof other !== 'number' && row.length === other.length;
  });
}

/** Max elementwise relative error (gradcheck/tolerances.ts); Infinity when the shapes differ or any value is not finite. */
export function maxRelativeError(actual: Value, expected: Value, atol: number): number {
  if (!sameStructure(actual, expected)) return Infinity;
  const error = maxRelativeErrorOf(flatten(actual), flatten(expected), { atol });
  return Number.isNaN(error) ? Infinity : error;
}

/** The policy's atol ~ 1e-6 · scale, scale = the largest |expected|. */
export function atolFor(expected: Value): number {
  return atolOf(flatten(expected));
}

/** A row whose columns must each be within `tolerance` (relative) of `expected`. */
export function numericRow(
  task: TaskId,
  quantity: string,
  expected: Value,
  manual: Value,
  autodiff: Readonly<Record<string, Value>>,
  tolerance: number,
  finiteDifference?: { value: Value; tolerance: number },
): ExampleRow {
  const atol = atolFor(expected);
  const errors: Record<string, number> = { manual: maxRelativeError(manual, expected, atol) };
  for (const [route, value] of Object.entries(autodiff)) errors[`autodiff ${route}`] = maxRelativeError(value, expected, atol);
  let match = Object.values(errors).every((e) => e <= tolerance);
  if (finiteDifference !== undefined) {
    errors.finiteDifference = maxRelativeError(finiteDifference.value, expected, atol);
    match = match && errors.finiteDifference <= finiteDifference.tolerance;
  }
  return {
    task,
    quantity,
    expected,
    manual,
    autodiff,
    ...(finiteDifference !== undefined ? { finiteDifference: finiteDifference.value } : {}),
    errors,
    maxError: Math.max(...Object.values(errors)),
    tolerance,
    match,
  };
}

/** A row of integers (shapes, counts) that must be exactly equal. */
export function exactRow(task: TaskId, quantity: string, expected: Value, manual: Value, autodiff: Readonly<Record<string, Value>>): ExampleRow {
  const same = (v: Value): boolean => sameStructure(v, expected) && flatten(v).every((x, i) => x === flatten(expected)[i]);
  const errors: Record<string, number> = { manual: same(manual) ? 0 : Infinity };
  for (const [route, value] of Object.entries(autodiff)) errors[`autodiff ${route}`] = same(value) ? 0 : Infinity;
  const maxError = Math.max(...Object.values(errors));
  return { task, quantity, expected, manual, autodiff, errors, maxError, tolerance: 0, match: maxError === 0 };
}

/** Small text helpers of the audit: one-line errors and fp32 numbers as the shortest literal that round-trips. */

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}

/** The shortest decimal that reads back as the same float32 value (NaN and ±Infinity by name). */
export function fp32Literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const target = Math.fround(v);
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(target.toPrecision(digits)));
    if (Math.fround(Number(text)) === target) return text;
  }
  return String(target);
}

/** A value for a table: 7 significant digits, or NaN / ±Infinity. */
export function showValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v === 0 ? '0' : String(Number(v.toPrecision(7)));
}

/** How a second-order row that fails only because the first order does says so in its detail. */
export const FOLLOWS_FROM_FIRST = 'second order: follows from the first';

/** A tensor seen as rows over its last axis: `rows` = size / lastDim, `cols` = lastDim. */
export type RowLayout = { rows: number; cols: number };

export function rowLayout(shape: readonly number[]): RowLayout {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  return { rows: cols === 0 ? 0 : size / cols, cols };
}

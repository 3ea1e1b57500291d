/** Central finite differences in float64. */

/** The step for coordinate value v: h = relEps·max(1, |v|). */
export function fdStep(v: number, relEps = 1e-6): number {
  return relEps * Math.max(1, Math.abs(v));
}

/**
 * ∂f/∂x_k ≈ (f(x + h e_k) − f(x − h e_k)) / 2h for each k in `indices`, where
 * `lossAt(k, delta)` evaluates f at x + delta·e_k. This form lets a caller evaluate the
 * perturbed function cheaply when one coordinate only touches part of the computation.
 */
export function centralDifferenceAt(lossAt: (k: number, delta: number) => number, x: Float64Array, indices: readonly number[], relEps = 1e-6): Float64Array {
  const out = new Float64Array(indices.length);
  indices.forEach((k, i) => {
    const h = fdStep(x[k], relEps);
    out[i] = (lossAt(k, h) - lossAt(k, -h)) / (2 * h);
  });
  return out;
}

/** Central differences of any float64 function f: R^n → R at x, for the coordinates `indices`. */
export function centralDifference(f: (x: Float64Array) => number, x: Float64Array, indices: readonly number[], relEps = 1e-6): Float64Array {
  const work = Float64Array.from(x);
  return centralDifferenceAt(
    (k, delta) => {
      work[k] = x[k] + delta;
      const value = f(work);
      work[k] = x[k];
      return value;
    },
    x,
    indices,
    relEps,
  );
}

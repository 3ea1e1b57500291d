/** The float64 reference: matrix maths and central differences. */
export * from './matrix.js';
export * from './finite_diff.js';

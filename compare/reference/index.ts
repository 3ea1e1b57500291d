/** The float64 reference: matrix maths, central differences, and the plugin's ops built from them. */
export * from './matrix.js';
export * from './finite_diff.js';
export * from './ops.js';

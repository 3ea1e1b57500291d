export * from './matrix.js';
export * from './mlp64.js';
export * from './finite_diff.js';

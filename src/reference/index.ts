export * from '../../compare/reference/matrix.js';
export * from './mlp64.js';
export * from '../../compare/reference/finite_diff.js';

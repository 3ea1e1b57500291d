export * from '../../compare/reference/index.js';
export * from './mlp64.js';

export * from '../../gradcheck/reference/index.js';
export * from './mlp64.js';

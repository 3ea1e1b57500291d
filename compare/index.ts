/** handgrad's checker: gradcheck for any tfjs function, float64 references and tolerances. */
export { gradcheck, type GradcheckOptions, type Float64Reference } from './gradcheck.js';
export type { CheckRow } from './rows.js';
export * from './tolerances.js';

/** handgrad's checker: gradcheck for any tfjs function, and the project's own checks. */
export { gradcheck, type GradcheckOptions, type Float64Reference } from './gradcheck.js';
export { runChecks, opChecks, mlpChecks, validateCheckOptions, DEFAULT_CHECK_OPTIONS, type CheckOptions, type CheckReport } from './checks.js';
export type { CheckRow } from './rows.js';
export * from './tolerances.js';

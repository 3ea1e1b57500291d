/**
 * handgrad's checker (handgrad/gradcheck): gradcheck and gradgradcheck for any tfjs function,
 * opcheck for a registered kernel, their structured results, tables and JSON, the tolerances,
 * the planted-bug self-test, and the audit of tfjs's own gradients (auditTfjs).
 */
export { gradcheck, type GradcheckOptions, type Float64Reference, type TensorFunction } from './gradcheck.js';
export { gradgradcheck, type GradgradcheckOptions } from './gradgradcheck.js';
export { opcheck, type OpcheckOptions, type OpcheckResult, type BackendOpcheck, type KernelInput } from './opcheck.js';
export { GradcheckError, describeFailures, unravelIndex, type GradcheckResult, type InputResult, type CheckMode } from './result.js';
export { formatGradcheck, formatOpcheck, formatRows, gradcheckJson, opcheckJson } from './format.js';
export { customKernelCases, opcheckCases, type KernelCase } from './kernel_cases.js';
export { runSelftest, formatSelftest, type SelftestOptions, type SelftestReport, type ModeReport } from './selftest/run.js';
export { runWeightBench, formatWeightBench, type WeightBenchOptions, type WeightBenchReport, type BenchRun } from './selftest/bench.js';
export { PLANTED_FUNCTIONS, type PlantedFunction } from './selftest/functions.js';
export { genericBugs, plant, type PlantedBug } from './selftest/bugs.js';
export { compareRow, type CheckRow } from './rows.js';
export * from './tolerances.js';
export { auditTfjs, type AuditOptions } from './audit/audit.js';
export { answerAuditRequest, type AuditReply, type AuditRequest, type AuditRunner, type Measured } from './audit/runner.js';
export type { AuditResult, AuditRow, AuditStatus, Diagnosis, FailurePoint } from './audit/result.js';
export { auditCases, LEFT_OUT, type AuditCase, type AuditInput, type Domain } from './audit/cases.js';
export { formatAudit, auditJson, auditMarkdown } from './audit/report.js';

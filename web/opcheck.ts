/** opcheck of handgrad's kernels inside the page (driven by src/browser/run_opcheck.ts). */
import { customKernelCases, opcheckCases } from '../gradcheck/kernel_cases.js';
import type { OpcheckResult } from '../gradcheck/opcheck.js';
import type { OpcheckRequest } from '../src/browser/protocol.js';
import { useBackend } from './backend.js';

export async function opcheckOnPage(request: OpcheckRequest): Promise<OpcheckResult[]> {
  await useBackend(request.backend);
  const cases = customKernelCases(request.seed).filter((c) => request.kernels.includes(c.kernel));
  return opcheckCases(cases, { backends: [request.backend], seed: request.seed });
}

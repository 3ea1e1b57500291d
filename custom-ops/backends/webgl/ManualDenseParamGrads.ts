/** dW = xᵀ·dy and db = 1ᵀ·dy by the webgl backend's BatchMatMul (reading xᵀ in place) and Sum, in one kernel call. */
import { denseParamGradsByBackendKernels } from '../common/composed_kernels.js';

export const manualDenseParamGrads = denseParamGradsByBackendKernels('webgl');

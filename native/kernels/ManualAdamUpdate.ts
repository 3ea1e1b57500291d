/** Adam's m', v' and W' in one threaded pass (native/src/updates.cc): m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε). */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { adamUpdateArrays } from '../../custom-ops/backends/common/array_kernels.js';
import { adamBiasCorrections } from '../../custom-ops/util/update_loops.js';

export const manualAdamUpdate = nativeArrayKernelFunc(adamUpdateArrays, (view, [outParam, outM, outV], { param, grad, m, v, lr, beta1, beta2, epsilon, step }) => {
  const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
  loadNativeAddon().adamUpdate(view(param), view(grad), view(m), view(v), outParam, outM, outV, lr, beta1, beta2, epsilon, c1, c2);
});

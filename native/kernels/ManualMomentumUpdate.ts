/** v' = γ·v + α·∇, W' = W − v' in one threaded pass (native/src/updates.cc). Outputs [W', v']. */
import { loadNativeAddon } from '../addon.js';
import { nativeArrayKernelFunc } from '../kernel_utils.js';
import { momentumUpdateArrays } from '../../custom-ops/backends/common/array_kernels.js';

export const manualMomentumUpdate = nativeArrayKernelFunc(momentumUpdateArrays, (view, [outParam, outVelocity], { param, grad, velocity, lr, momentum }) =>
  loadNativeAddon().momentumUpdate(view(param), view(grad), view(velocity), outParam, outVelocity, lr, momentum));

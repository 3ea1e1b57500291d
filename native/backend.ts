/**
 * The `native` tfjs backend: the cpu backend's storage and kernels (NativeBackend, a MathBackendCPU
 * that recycles its kernels' output buffers; every cpu KernelConfig re-registered under 'native'),
 * with the kernels the MLP spends its time in replaced by native code from handgrad's addon (handgrad's
 * own sgemm, or OpenBLAS when built with it (docs/native.md), threaded elementwise, row and reduction loops), and handgrad's own kernels on it. The plugin's gradients are
 * backend-independent; registerNativeBackend() registers them with registerCustomOps().
 */
import * as tf from '@tensorflow/tfjs';
import { CUSTOM_KERNEL_NAMES } from '../custom-ops/kernel_names.js';
import { registerCustomOps } from '../custom-ops/register.js';
import { kernelConfigsOf } from '../custom-ops/util/kernel_configs.js';
import { loadNativeAddon, type NativeInfo } from './addon.js';
import { NATIVE_BACKEND_NAME } from './kernel_utils.js';
import { nativeBuiltinKernelConfigs } from './kernels/index.js';
import * as nativeKernels from './kernels/index.js';
import { guardAliases, NativeBackend } from './native_backend.js';

export { NATIVE_BACKEND_NAME };

/** Below cpu (1), so tfjs never makes it the default by itself; the application chooses. */
const NATIVE_BACKEND_PRIORITY = 0;

function makeBackend(): NativeBackend {
  return new NativeBackend();
}

/** handgrad's kernels on the native backend, derived from its kernel map. */
const nativeCustomKernelConfigs = kernelConfigsOf(NATIVE_BACKEND_NAME, nativeKernels);

function registerKernels(): void {
  const custom = new Set<string>(CUSTOM_KERNEL_NAMES);
  const overridden = new Set(nativeBuiltinKernelConfigs.map((config) => config.kernelName));
  for (const config of [...nativeBuiltinKernelConfigs, ...nativeCustomKernelConfigs]) {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME) === undefined) tf.registerKernel(config);
  }
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (custom.has(config.kernelName) || overridden.has(config.kernelName)) continue;
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME) !== undefined) continue;
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME, kernelFunc: guardAliases(config.kernelFunc) });
  }
}

/**
 * Loads the addon and registers the `native` backend and its kernels. Idempotent. Throws a
 * one-line Error naming what to install when the addon is not built or cannot load.
 */
export function registerNativeBackend(): void {
  loadNativeAddon();
  registerKernels();
  registerCustomOps();
  if (tf.engine().registryFactory[NATIVE_BACKEND_NAME] === undefined) {
    tf.registerBackend(NATIVE_BACKEND_NAME, makeBackend, NATIVE_BACKEND_PRIORITY);
  }
}

/** The addon's GEMM, BLAS and threading, for benchmark reports. */
export function nativeInfo(): NativeInfo {
  return loadNativeAddon().info();
}

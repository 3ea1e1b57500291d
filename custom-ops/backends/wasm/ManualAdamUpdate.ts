/** m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇², W' = W − α·(m'·c1)/(√(v'·c2) + ε). Outputs [W', m', v']. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adamBiasCorrections } from '../../util/update_loops.js';
import { arrayKernelFunc, wasmMemory } from '../common/array_kernel.js';
import { adamUpdateArrays } from '../common/array_kernels.js';
import { adamSimdFor } from './adam_simd.js';

/** adam_simd.wat's float32 SIMD lanes on the heap in place (~4× the JavaScript loop), or that loop where SIMD is missing. */
export const manualAdamUpdate = arrayKernelFunc(
  {
    ...adamUpdateArrays,
    loop: (view, outs, args, backend) => {
      const simd = adamSimdFor(backend as BackendWasm);
      if (simd === null) return adamUpdateArrays.loop(view, outs, args, backend);
      const { param, grad, m, v, lr, beta1, beta2, epsilon, step } = args;
      const { c1, c2 } = adamBiasCorrections(beta1, beta2, step);
      const [w, g, m0, v0, ...out] = [view(param), view(grad), view(m), view(v), ...outs].map((array) => array.byteOffset);
      simd(w, g, m0, v0, out[0], out[1], out[2], outs[0].length, beta1, 1 - beta1, beta2, 1 - beta2, lr * c1, c2, epsilon);
    },
  },
  wasmMemory,
);

/** hw4 T3: the parameter count of the [30 → 1024 → 512 → 1] network, 557057. */
import { disposeParams, xavierInit } from '../model/mlp.js';
import { exactRow } from './agreement.js';
import { denseSequential, EXAMPLE_LAYER_SIZES } from './example_network.js';
import type { ExampleTask } from './types.js';

/** The homework's Out[7]: (30·1024) + 1024 + (1024·512) + 512 + (512·1) + 1. */
export const T3_EXPECTED = 557057;

export function runT3(seed = 421): ExampleTask {
  const params = xavierInit(EXAMPLE_LAYER_SIZES, seed);
  const model = denseSequential(EXAMPLE_LAYER_SIZES);
  try {
    const fromTensors = [...params.weights, ...params.biases].reduce((sum, t) => sum + t.size, 0);
    const perLayer = params.weights.map((w, l) => `${w.shape.join('×')} + ${params.biases[l].size}`).join(' + ');
    return {
      task: 'T3',
      title: 'parameter count of the [30 → 1024 → 512 → 1] network',
      inputs: { layer_sizes: [...EXAMPLE_LAYER_SIZES], tensors: perLayer },
      tolerance: 'exact: counts must be equal',
      rows: [
        exactRow('T3', 'parameters (Σ sizes of W_l and b_l)', T3_EXPECTED, fromTensors, { 'tf.sequential countParams()': model.countParams() }),
      ],
    };
  } finally {
    model.dispose();
    disposeParams(params);
  }
}

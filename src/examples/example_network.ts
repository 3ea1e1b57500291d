/** The network of hw4 T2/T3: batch 32, 30 features, layers [1024, 512, 1]. */
import * as tf from '@tensorflow/tfjs';
import type { MlpParams } from '../model/mlp.js';

export const EXAMPLE_BATCH = 32;
export const EXAMPLE_FEATURES = 30;
export const EXAMPLE_LAYERS = [1024, 512, 1] as const;
export const EXAMPLE_LAYER_SIZES: number[] = [EXAMPLE_FEATURES, ...EXAMPLE_LAYERS];

/**
 * The equivalent tf.sequential of dense layers (relu on the hidden ones, linear output),
 * holding `params` when given so its activations are those of our MLP.
 * The caller disposes the model.
 */
export function denseSequential(layerSizes: number[], params?: MlpParams): tf.Sequential {
  const model = tf.sequential();
  for (let l = 1; l < layerSizes.length; l++) {
    const isOutput = l === layerSizes.length - 1;
    model.add(
      tf.layers.dense({
        units: layerSizes[l],
        activation: isOutput ? 'linear' : 'relu',
        ...(l === 1 ? { inputShape: [layerSizes[0]] } : {}),
      }),
    );
  }
  if (params !== undefined) {
    model.layers.forEach((layer, l) => layer.setWeights([params.weights[l], params.biases[l]]));
  }
  return model;
}

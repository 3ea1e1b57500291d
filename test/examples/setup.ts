import * as tf from '@tensorflow/tfjs';
import { registerCustomOps } from '../../custom-ops/index.js';

/** The examples run on tfjs's cpu backend with handgrad's kernels registered. */
export async function useCpuWithCustomOps(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  registerCustomOps();
}

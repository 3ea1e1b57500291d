/** Training steps on native against the same steps on cpu: parameters, losses, no tensor growth. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { GradMode, TrainConfig } from '../../src/train/config.js';
import { disposeTrainState, initTrainState } from '../../src/train/loop.js';
import { paramList, trainStep } from '../../src/train/step.js';
import { NATIVE_MISSING, SKIP_REASON, maxRelError, randomValues } from './helpers.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';

const ROWS = 200;
const LAYERS = [30, 64, 48, 5];
const STEPS = 4;

function config(grad: GradMode): TrainConfig {
  return {
    layers: LAYERS,
    seed: 7,
    grad,
    optimizer: { kind: 'momentum', lr: 0.5, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    batchSize: 0,
    epochs: STEPS,
  };
}

interface Trained {
  losses: number[];
  params: Float32Array[];
  /**
   * Per parameter entry, |W_0| + Σ_s |v_s|: the size of the terms W_0 − v_1 − … − v_S that the
   * final value sums. Two fp32 runs agree to ~eps32 of these terms, not of a final value that
   * cancels to near 0, so the comparison measures the error against this scale (as for matmul).
   */
  termScale: Float32Array[];
  tensorGrowth: number[];
  leaked: number;
}

/** STEPS full-batch momentum steps on `backend`, everything created and freed there. */
async function train(backend: 'cpu' | 'native', grad: GradMode): Promise<Trained> {
  await tf.setBackend(backend);
  const start = tf.memory().numTensors;
  const x = tf.tensor2d(randomValues(ROWS * LAYERS[0], 500), [ROWS, LAYERS[0]]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i * 3) % LAYERS[3]), 'int32'), LAYERS[3]).toFloat()) as tf.Tensor2D;
  let state = initTrainState(config(grad));
  const termScale = paramList(state.params).map((p) => Float32Array.from(p.dataSync() as Float32Array, Math.abs));
  const losses: number[] = [];
  const tensorGrowth: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const before = tf.memory().numTensors;
    const step = trainStep(state.params, state.optimizerState, x, y, config(grad));
    losses.push(step.loss.dataSync()[0]);
    step.loss.dispose();
    state = { ...state, params: step.params, optimizerState: step.optimizerState };
    tensorGrowth.push(tf.memory().numTensors - before);
    state.optimizerState.slots.velocity.forEach((v, i) => {
      const values = v.dataSync();
      for (let j = 0; j < values.length; j++) termScale[i][j] += Math.abs(values[j]);
    });
  }
  const params = paramList(state.params).map((p) => Float32Array.from(p.dataSync() as Float32Array));
  disposeTrainState(state);
  tf.dispose([x, y]);
  return { losses, params, termScale, tensorGrowth, leaked: tf.memory().numTensors - start };
}

describe.skipIf(NATIVE_MISSING)(`training on native vs cpu${SKIP_REASON}`, () => {
  it.each(['manual', 'autodiff'] as const)(`%s gradients: ${STEPS} momentum steps give the cpu parameters and losses; no tensor growth`, async (grad) => {
    const cpu = await train('cpu', grad);
    const native = await train('native', grad);
    expect(native.tensorGrowth).toEqual(new Array(STEPS).fill(0));
    expect(native.leaked).toBe(0);
    expect(cpu.leaked).toBe(0);
    expect(maxRelError(Float32Array.from(native.losses), Float32Array.from(cpu.losses))).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    // The network learns: the loss falls over the steps.
    expect(native.losses[STEPS - 1]).toBeLessThan(native.losses[0]);
    native.params.forEach((p, i) => {
      expect(maxRelError(p, cpu.params[i], cpu.termScale[i]), `parameter ${i}`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
    });
  });

  it('manual and autodiff gradients agree on native', async () => {
    const manual = await train('native', 'manual');
    const autodiff = await train('native', 'autodiff');
    manual.params.forEach((p, i) => expect(maxRelError(p, autodiff.params[i], autodiff.termScale[i]), `parameter ${i}`).toBeLessThanOrEqual(FP32_VS_FP32.rtol));
  });
});

/**
 * Workload W of issue 6: one full-batch epoch (forward, backward, momentum update) of a
 * 10000×784 → 1000 → 10 MLP in float32, run through handgrad's own trainer (trainStep).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradMode, TrainConfig } from '../src/train/config.js';
import { disposeTrainState, initTrainState, type TrainState } from '../src/train/loop.js';
import { trainStep } from '../src/train/step.js';

export interface Workload {
  rows: number;
  layers: [number, number, number];
  /** The homework's momentum: v ← γv + α∇, W ← W − v. */
  lr: number;
  momentum: number;
}

export const WORKLOAD_W: Workload = { rows: 10000, layers: [784, 1000, 10], lr: 0.1, momentum: 0.9 };

/**
 * 6·N·Σ_l in_l·out_l, the project's stated convention (2 flops per multiply-add, forward + two backward
 * products per layer). Neither numpy nor the manual backprop computes the first layer's input gradient, so
 * the work actually done is 4·N·784·1000 + 6·N·1000·10 on W (≈ 0.67 of this): GFLOP/s are comparable
 * between rows, not absolute.
 */
export function flopsPerEpoch(rows: number, layers: readonly number[]): number {
  let macs = 0;
  for (let l = 1; l < layers.length; l++) macs += layers[l - 1] * layers[l];
  return 6 * rows * macs;
}

/** The synthetic data set: pixels uniform in [0, 1) like MNIST's, labels uniform over the classes. */
export interface BenchData {
  x: tf.Tensor2D;
  yOneHot: tf.Tensor2D;
}

export function makeData(rows: number, layers: readonly number[], seed: number): BenchData {
  return tf.tidy(() => {
    const x = tf.randomUniform([rows, layers[0]], 0, 1, 'float32', seed) as tf.Tensor2D;
    const labels = tf.randomUniform([rows], 0, layers[layers.length - 1], 'int32', seed + 1) as tf.Tensor1D;
    return { x, yOneHot: tf.oneHot(labels, layers[layers.length - 1]).toFloat() as tf.Tensor2D };
  });
}

export function disposeData(data: BenchData): void {
  tf.dispose([data.x, data.yOneHot]);
}

export interface EpochSample {
  ms: number;
  loss: number;
  /** tf.memory().numTensors after the epoch minus before it. */
  tensorGrowth: number;
}

/** A training run on the active backend: its parameters and momentum slots, one epoch per call. */
export interface EpochRunner {
  epoch(): EpochSample;
  dispose(): void;
}

export function trainConfigFor(workload: Workload, grad: GradMode, seed: number): TrainConfig {
  return {
    layers: [...workload.layers],
    seed,
    grad,
    optimizer: { kind: 'momentum', lr: workload.lr, momentum: workload.momentum, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    batchSize: 0,
    epochs: 1,
  };
}

export function epochRunner(workload: Workload, grad: GradMode, data: BenchData, seed: number): EpochRunner {
  const config = trainConfigFor(workload, grad, seed);
  let state: TrainState = initTrainState(config);
  return {
    epoch(): EpochSample {
      const before = tf.memory().numTensors;
      const start = performance.now();
      const step = trainStep(state.params, state.optimizerState, data.x, data.yOneHot, config);
      const loss = step.loss.dataSync()[0];
      const ms = performance.now() - start;
      step.loss.dispose();
      state = { ...state, params: step.params, optimizerState: step.optimizerState };
      return { ms, loss, tensorGrowth: tf.memory().numTensors - before };
    },
    dispose(): void {
      disposeTrainState(state);
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

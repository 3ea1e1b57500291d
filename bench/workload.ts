/**
 * Workload W: one full-batch epoch (forward, backward, momentum update) of a
 * 10000×784 → 1000 → 10 MLP in float32, run through handgrad's own trainer (trainStep);
 * and the homework setting: W's network trained epoch by epoch with evaluation on the homework's split.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../src/data/dataset.js';
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

/** The homework setting's run: notMNIST's split sizes (10000 / 6000 / 2724 of 18724), W's network and momentum. */
export interface HomeworkShape {
  train: number;
  valid: number;
  test: number;
  layers: [number, number, number];
  lr: number;
  momentum: number;
}

export const HOMEWORK_SHAPE: HomeworkShape = { train: 10000, valid: 6000, test: 2724, layers: [784, 1000, 10], lr: 0.1, momentum: 0.9 };

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
    const x = tf.randomUniform<tf.Rank.R2>([rows, layers[0]], 0, 1, 'float32', seed);
    const labels = tf.randomUniform<tf.Rank.R1>([rows], 0, layers[layers.length - 1], 'int32', seed + 1);
    return { x, yOneHot: tf.oneHot(labels, layers[layers.length - 1]).toFloat() as tf.Tensor2D };
  });
}

/**
 * The homework setting's synthetic data set, for where MNIST cannot be read and for tests: pixels uniform in
 * [0, 1) and labels argmax((x − 0.5)·T) of a random normal teacher T (F×K), so that the classes are balanced and
 * learnable. (At 784 → 1000 → 10 with α 0.1, γ 0.9 training on it is unstable — the loss spikes around epoch 30 —
 * so the bench uses MNIST when it can.)
 */
export function makeHomeworkDataset(shape: HomeworkShape, seed: number): Dataset {
  const [features, , classes] = shape.layers;
  const rows = shape.train + shape.valid + shape.test;
  const [x, labels] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
    const pixels = tf.randomUniform([rows, features], 0, 1, 'float32', seed);
    const teacher = tf.randomNormal([features, classes], 0, 1, 'float32', seed + 1);
    return [pixels, tf.argMax(tf.matMul(tf.sub(pixels, 0.5), teacher), 1)];
  });
  const pixels = x.dataSync() as Float32Array;
  const classOf = Int32Array.from(labels.dataSync());
  tf.dispose([x, labels]);
  const split = (start: number, n: number): Split => ({
    x: pixels.slice(start * features, (start + n) * features),
    labels: classOf.slice(start, start + n),
    n,
  });
  return {
    name: 'synthetic (teacher-labelled)',
    features,
    classes,
    train: split(0, shape.train),
    valid: split(shape.train, shape.valid),
    test: split(shape.train + shape.valid, shape.test),
  };
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

export function trainConfigFor(workload: Pick<Workload, 'layers' | 'lr' | 'momentum'>, grad: GradMode, seed: number): TrainConfig {
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


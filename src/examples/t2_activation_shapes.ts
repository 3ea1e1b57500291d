/**
 * hw4 T2: the activation shapes of the [30 → 1024 → 512 → 1] network on a batch of 32,
 * read off tensors produced by running the forward pass, in both conventions:
 * ours (row-major, H_l: N×out) and the homework's (column-major, A = W·X with W: out×in, A: out×N).
 */
import * as tf from '@tensorflow/tfjs';
import { manualRelu } from '../../custom-ops/index.js';
import { disposeParams, forwardManual, type MlpParams, xavierInit } from '../model/mlp.js';
import { exactRow } from './agreement.js';
import { denseSequential, EXAMPLE_BATCH, EXAMPLE_FEATURES, EXAMPLE_LAYER_SIZES, EXAMPLE_LAYERS } from './example_network.js';
import type { ExampleRow, ExampleTask } from './types.js';

/** The homework's Out[6]: A, B, C in its column-major convention (out × batch). */
export const T2_EXPECTED_COLUMN_MAJOR: readonly (readonly [number, number])[] = [
  [1024, 32],
  [512, 32],
  [1, 32],
];
const NAMES = ['A', 'B', 'C'] as const;

/** Row-major forward with our ManualRelu kernel: shapes of H_1, …, H_{L−1}, Z. */
function rowMajorShapes(params: MlpParams, x: tf.Tensor2D): number[][] {
  return tf.tidy(() => {
    const pass = forwardManual(params, x);
    return [...pass.inputs.slice(1), pass.logits].map((t) => [...t.shape]);
  });
}

/**
 * The homework's column-major forward: A_l = relu(W_lᵀ·A_{l−1} + b_l) with A_0 = Xᵀ (F×N),
 * our W_l (in×out) being the transpose of the homework's (out×in). Returns the shapes of A_l.
 */
function columnMajorShapes(params: MlpParams, x: tf.Tensor2D): number[][] {
  return tf.tidy(() => {
    const L = params.weights.length;
    const shapes: number[][] = [];
    let a: tf.Tensor2D = tf.transpose(x);
    for (let l = 0; l < L; l++) {
      const r = tf.add<tf.Tensor2D>(tf.matMul(params.weights[l], a, true, false), tf.reshape(params.biases[l], [-1, 1]));
      a = l < L - 1 ? manualRelu<tf.Tensor2D>(r) : r;
      shapes.push([...a.shape]);
    }
    return shapes;
  });
}

/**
 * Every dense layer's output shape from the equivalent tf.sequential run on the same batch:
 * as it comes (row-major) and after tf.transpose (the homework's column-major).
 */
function sequentialShapes(params: MlpParams, x: tf.Tensor2D): { rowMajor: number[][]; columnMajor: number[][] } {
  const model = denseSequential(EXAMPLE_LAYER_SIZES, params);
  try {
    const probe = tf.model({ inputs: model.inputs, outputs: model.layers.map((layer) => layer.output as tf.SymbolicTensor) });
    return tf.tidy(() => {
      const outputs = probe.predict(x);
      const list = Array.isArray(outputs) ? outputs : [outputs];
      return { rowMajor: list.map((t) => [...t.shape]), columnMajor: list.map((t) => [...tf.transpose(t).shape]) };
    });
  } finally {
    model.dispose();
  }
}

export function runT2(seed = 421): ExampleTask {
  const params = xavierInit(EXAMPLE_LAYER_SIZES, seed);
  const x = tf.randomNormal<tf.Rank.R2>([EXAMPLE_BATCH, EXAMPLE_FEATURES], 0, 1, 'float32', seed);
  try {
    const rowMajor = rowMajorShapes(params, x);
    const columnMajor = columnMajorShapes(params, x);
    const { rowMajor: sequential, columnMajor: sequentialTransposed } = sequentialShapes(params, x);
    const rows: ExampleRow[] = [];
    NAMES.forEach((name, l) => {
      const expectedColumnMajor = [...T2_EXPECTED_COLUMN_MAJOR[l]];
      rows.push(
        exactRow('T2', `${name} shape, row-major N×out`, [...expectedColumnMajor].reverse(), rowMajor[l], { 'tf.sequential': sequential[l] }),
        exactRow('T2', `${name} shape, homework column-major out×N`, expectedColumnMajor, columnMajor[l], { 'tf.sequential': sequentialTransposed[l] }),
      );
    });
    return {
      task: 'T2',
      title: 'activation shapes of the [30 → 1024 → 512 → 1] network on a batch of 32, from running the forward pass',
      inputs: {
        batch_size: EXAMPLE_BATCH,
        num_features: EXAMPLE_FEATURES,
        neuron_layers: [...EXAMPLE_LAYERS],
        X: `${EXAMPLE_BATCH}×${EXAMPLE_FEATURES} standard normal (seed ${seed}); weights xavierInit(seed ${seed})`,
      },
      tolerance: 'exact: shapes must be equal',
      rows,
    };
  } finally {
    x.dispose();
    disposeParams(params);
  }
}

/**
 * hw4 T1: a scalar network with a skip connection,
 *   x1 = relu(x0·w0 + b0),  y1 = x1·w1 + b1,  z = relu(y1 + x0),
 * differentiated three ways: the chain rule written out as in the homework, tf.grads through
 * our ManualRelu kernel (its registered gradient), and tf.grads through tf.relu.
 */
import * as tf from '@tensorflow/tfjs';
import { manualRelu } from '../../custom-ops/index.js';
import { FP32_VS_FLOAT64, numericRow } from './agreement.js';
import type { ExampleTask } from './types.js';

export interface T1Inputs {
  x0: number;
  w0: number;
  w1: number;
  b0: number;
  b1: number;
}

export const T1_INPUTS: T1Inputs = { x0: 1.0, w0: 0.3, w1: -0.2, b0: 0.1, b1: -0.3 };

/** The homework's Out[2]: (z, dz/dw0, dz/dw1, dz/db0, dz/db1). */
export const T1_EXPECTED = { z: 0.62, dz_dw0: -0.2, dz_dw1: 0.4, dz_db0: -0.2, dz_db1: 1 } as const;

export type T1Values = { [K in keyof typeof T1_EXPECTED]: number };

const relu = (x: number): number => Math.max(0, x);
/** relu'(x) = 1(x > 0), with relu'(0) = 0 as in the homework's relu_backward. */
const reluBackward = (x: number): number => (x > 0 ? 1 : 0);

/** The homework's forward() and backward_*(), one chain-rule product per parameter, in float64. */
export function t1Manual({ x0, w0, w1, b0, b1 }: T1Inputs): T1Values {
  const x1 = relu(x0 * w0 + b0);
  const y1 = x1 * w1 + b1;
  const z = relu(y1 + x0);

  const dz_dy1 = reluBackward(y1 + x0) * 1; // ∂z/∂y1 (the skip adds x0, whose own path is not a parameter)
  const dy1_dx1 = w1; //                       ∂y1/∂x1
  const dx1_dw0 = reluBackward(x0 * w0 + b0) * x0; // ∂x1/∂w0
  const dx1_db0 = reluBackward(x0 * w0 + b0) * 1; //  ∂x1/∂b0
  const dy1_dw1 = x1; //                       ∂y1/∂w1
  const dy1_db1 = 1; //                        ∂y1/∂b1

  return {
    z,
    dz_dw0: dz_dy1 * dy1_dx1 * dx1_dw0,
    dz_dw1: dz_dy1 * dy1_dw1,
    dz_db0: dz_dy1 * dy1_dx1 * dx1_db0,
    dz_db1: dz_dy1 * dy1_db1,
  };
}

type ReluFn = (x: tf.Tensor) => tf.Tensor;

/** z and tf.grads of z w.r.t. (w0, w1, b0, b1) in float32, with `reluFn` as the nonlinearity. */
export function t1Autodiff(inputs: T1Inputs, reluFn: ReluFn): T1Values {
  return tf.tidy(() => {
    // Shape [1], not scalars: our ops take rank ≥ 1 (like the MLP's rows).
    const x0 = tf.tensor1d([inputs.x0]);
    const params = [inputs.w0, inputs.w1, inputs.b0, inputs.b1].map((v) => tf.tensor1d([v]));
    const f = (w0: tf.Tensor, w1: tf.Tensor, b0: tf.Tensor, b1: tf.Tensor): tf.Tensor => {
      const x1 = reluFn(tf.add(tf.mul(x0, w0), b0));
      const y1 = tf.add(tf.mul(x1, w1), b1);
      return tf.reshape(reluFn(tf.add(y1, x0)), []);
    };
    const { value, grads } = tf.valueAndGrads(f)(params);
    const read = (t: tf.Tensor): number => t.dataSync()[0];
    return {
      z: read(value),
      dz_dw0: read(grads[0]),
      dz_dw1: read(grads[1]),
      dz_db0: read(grads[2]),
      dz_db1: read(grads[3]),
    };
  });
}

const QUANTITY: Record<keyof T1Values, string> = { z: 'z', dz_dw0: 'dz/dw0', dz_dw1: 'dz/dw1', dz_db0: 'dz/db0', dz_db1: 'dz/db1' };

export function runT1(inputs: T1Inputs = T1_INPUTS): ExampleTask {
  const manual = t1Manual(inputs);
  const viaManualRelu = t1Autodiff(inputs, (x) => manualRelu(x));
  const viaTfRelu = t1Autodiff(inputs, (x) => tf.relu(x));
  const keys = Object.keys(T1_EXPECTED) as (keyof T1Values)[];
  return {
    task: 'T1',
    title: 'scalar network with a skip connection: x1 = relu(x0·w0 + b0), y1 = x1·w1 + b1, z = relu(y1 + x0)',
    inputs: { ...inputs },
    tolerance:
      `each column within ${FP32_VS_FLOAT64.toExponential()} relative of the homework value ` +
      '(fp32 autodiff vs exact decimals; the manual column is float64, off by ~1e-16)',
    rows: keys.map((k) =>
      numericRow('T1', QUANTITY[k], T1_EXPECTED[k], manual[k], { ManualRelu: viaManualRelu[k], 'tf.relu': viaTfRelu[k] }, FP32_VS_FLOAT64),
    ),
  };
}

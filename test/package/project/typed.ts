// A strict TypeScript user of every subpath, checked against the .d.ts the package ships. Every line
// marked as an expected error must be one: types that were `any` would leave the marker unused.
import * as tf from '@tensorflow/tfjs';
import { CUSTOM_KERNEL_NAMES, manualRelu, manualSoftmaxCrossEntropy, registerCustomOps, type CustomKernelName } from 'handgrad';
import { gradcheck, type CheckRow, type Float64Reference, type GradcheckOptions } from 'handgrad/gradcheck';
import { loadDataset, parseNpz, type Dataset } from 'handgrad/data';
import { autodiffBackprop, xavierInit, type MlpParams } from 'handgrad/model';
import { trainEpochs, type EpochMetrics, type TrainConfig } from 'handgrad/train';
import { nativeInfo, registerNativeBackend, type NativeInfo } from 'handgrad/native';

registerCustomOps();
const names: readonly CustomKernelName[] = CUSTOM_KERNEL_NAMES;
const y: tf.Tensor2D = manualRelu(tf.tensor2d([[1, -1]]));
const loss: tf.Scalar = manualSoftmaxCrossEntropy(tf.tensor2d([[0, 1]]), y);

const reference: Float64Reference = (xs) => (xs[0] ?? new Float64Array(0)).map((t) => Math.max(0, t));
const options: GradcheckOptions = { name: 'relu', reference, maxCoordinates: 8 };
const rows: CheckRow[] = gradcheck((x) => manualRelu(x), [tf.randomNormal([4, 4])], options).rows;
const failed: number = rows.filter((row) => !row.pass).length;

const data: Dataset = loadDataset('mnist', { trainSize: 10 });
const npz: Record<string, { shape: number[] }> = parseNpz(new Uint8Array(0), 'empty.npz');
const params: MlpParams = xavierInit([data.features, 8, data.classes], 0);
const dW: tf.Tensor2D[] = autodiffBackprop(params, tf.zeros([1, data.features]), tf.zeros([1, data.classes])).grads.dW;

const config: TrainConfig = {
  layers: [784, 8, 10],
  seed: 0,
  grad: 'manual',
  optimizer: { kind: 'momentum', lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 0,
  epochs: 1,
};
// @ts-expect-error: 'rmsprop' is not an optimizer of handgrad/train
const badConfig: TrainConfig = { ...config, optimizer: { ...config.optimizer, kind: 'rmsprop' } };
type History = Awaited<ReturnType<typeof trainEpochs>>['state']['history'];
const history: EpochMetrics[] = [] satisfies History;

// @ts-expect-error: registerCustomOps takes no argument
registerCustomOps('cpu');
// @ts-expect-error: gradcheck's inputs are tensors
gradcheck((x) => x, [[1, 2, 3]]);

const register: () => void = registerNativeBackend;
const info: () => NativeInfo = nativeInfo;

export { names, loss, failed, npz, dW, badConfig, history, register, info };

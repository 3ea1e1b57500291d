/**
 * The tensorflow (tfjs-node) kernels compose libtensorflow ops through executeSingleOutput.
 * libtensorflow cannot load on every machine, so besides the describe.each runs on the real
 * backend (forward/gradients/errors tests, when tfjs-node loads) this file drives the kernels'
 * kernelFuncs with a JS model of exactly the TF ops they call. The model checks each op's name,
 * input count and dtypes, and attrs against TensorFlow's op definitions, and computes the op with
 * tfjs built-ins on cpu, so a wrong op, attr or composition gives wrong numbers or an error.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuKernelConfigs } from '../../custom-ops/backends/cpu/index.js';
import type { TFEOpAttr, TensorflowBackend } from '../../custom-ops/backends/tensorflow/node_backend.js';
import { tensorflowKernelConfigs } from '../../custom-ops/backends/tensorflow/index.js';
import {
  ManualRelu,
  ManualReluGrad,
  ManualSoftmax,
  ManualSoftmaxCrossEntropy,
  ManualSoftmaxCrossEntropyGrad,
  unregisterCustomOps,
} from '../../custom-ops/index.js';
import { activate, expectClose, expectNoLeak, oneHotLabels, randn, softLabels } from './helpers.js';

const binding = { TF_ATTR_TYPE: 9, TF_ATTR_BOOL: 3, TF_FLOAT: 1, TF_INT32: 3 };

type AttrSpec = 'T' | 'int32-type' | 'bool';
type OpSpec = { inputs: Array<'T' | 'int32'>; attrs: Record<string, AttrSpec>; run: (xs: Tensor[], attrs: Map<string, TFEOpAttr>) => Tensor };

/** TensorFlow op definitions (tensorflow/core/ops/*_ops.cc) for the ops the kernels use. */
const TF_OPS: Record<string, OpSpec> = {
  Relu: { inputs: ['T'], attrs: { T: 'T' }, run: ([features]) => tf.relu(features) },
  ReluGrad: { inputs: ['T', 'T'], attrs: { T: 'T' }, run: ([gradients, features]) => tf.mul(gradients, tf.step(features)) },
  Softmax: { inputs: ['T'], attrs: { T: 'T' }, run: ([logits]) => tf.softmax(logits) },
  LogSoftmax: { inputs: ['T'], attrs: { T: 'T' }, run: ([logits]) => tf.logSoftmax(logits) },
  Mul: { inputs: ['T', 'T'], attrs: { T: 'T' }, run: ([x, y]) => tf.mul(x, y) },
  Sub: { inputs: ['T', 'T'], attrs: { T: 'T' }, run: ([x, y]) => tf.sub(x, y) },
  RealDiv: { inputs: ['T', 'T'], attrs: { T: 'T' }, run: ([x, y]) => tf.div(x, y) },
  Sum: {
    inputs: ['T', 'int32'],
    attrs: { keep_dims: 'bool', T: 'T', Tidx: 'int32-type' },
    run: ([input, axes], attrs) => tf.sum(input, Array.from(axes.dataSync()), attrs.get('keep_dims')?.value === true),
  },
  Reshape: {
    inputs: ['T', 'int32'],
    attrs: { T: 'T', Tshape: 'int32-type' },
    run: ([tensor, shape]) => tf.reshape(tensor, Array.from(shape.dataSync())),
  },
};

function checkAttrs(name: string, spec: OpSpec, attrs: TFEOpAttr[]): Map<string, TFEOpAttr> {
  const byName = new Map(attrs.map((a) => [a.name, a]));
  expect([...byName.keys()].sort(), `${name} attr names`).toEqual(Object.keys(spec.attrs).sort());
  for (const [attrName, kind] of Object.entries(spec.attrs)) {
    const attr = byName.get(attrName)!;
    if (kind === 'bool') {
      expect(attr.type, `${name}.${attrName} type`).toBe(binding.TF_ATTR_BOOL);
      expect(typeof attr.value, `${name}.${attrName} value`).toBe('boolean');
    } else {
      expect(attr.type, `${name}.${attrName} type`).toBe(binding.TF_ATTR_TYPE);
      expect(attr.value, `${name}.${attrName} value`).toBe(kind === 'T' ? binding.TF_FLOAT : binding.TF_INT32);
    }
  }
  return byName;
}

/** A stand-in NodeJSKernelBackend whose executeSingleOutput runs the JS model above. */
const modelBackend: TensorflowBackend & { calls: string[] } = {
  binding,
  calls: [],
  executeSingleOutput(name: string, opAttrs: TFEOpAttr[], inputs: TensorInfo[]): Tensor {
    const spec = TF_OPS[name];
    if (spec === undefined) throw new Error(`model: op ${name} is not one the kernels should call`);
    modelBackend.calls.push(name);
    expect(inputs.length, `${name} input count`).toBe(spec.inputs.length);
    const tensors = inputs.map((info, i) => {
      expect(info.dtype, `${name} input ${i} dtype`).toBe(spec.inputs[i] === 'T' ? 'float32' : 'int32');
      return info as Tensor;
    });
    const attrs = checkAttrs(name, spec, opAttrs);
    return tf.tidy(() => spec.run(tensors, attrs));
  },
};

function runConfig(configs: KernelConfig[], kernelName: string, inputs: Record<string, Tensor>, backend: object): Tensor {
  const config = configs.find((c) => c.kernelName === kernelName)!;
  return config.kernelFunc({ inputs, backend, attrs: {} }) as Tensor;
}

const cpuBackend = (): object => tf.backend();

describe('tensorflow kernels against a JS model of the TF ops they call (libtensorflow-independent)', () => {
  beforeAll(async () => {
    await activate('cpu');
    // Kernel functions are called directly here; nothing needs registering.
    unregisterCustomOps();
  });

  const SHAPES: number[][] = [[5], [1, 4], [3, 6], [2, 3, 4]];

  it.each(SHAPES)('all five kernels match the cpu kernels for shape %j', (...shape) => {
    const x = randn(shape, 41, 2);
    const dy = randn(shape, 42);
    const onehot = oneHotLabels(shape, 43);
    const soft = tf.tidy(() => tf.mul(softLabels(shape, 44), 1.5)); // rows sum to 1.5: exercises Σ_k y_k
    const upstream = tf.scalar(0.75);
    const cases: Array<[string, Record<string, Tensor>]> = [
      [ManualRelu, { x }],
      [ManualReluGrad, { dy, x }],
      [ManualSoftmax, { logits: x }],
      [ManualSoftmaxCrossEntropy, { labels: onehot, logits: x }],
      [ManualSoftmaxCrossEntropy, { labels: soft, logits: x }],
      [ManualSoftmaxCrossEntropyGrad, { dy: upstream, labels: onehot, logits: x }],
      [ManualSoftmaxCrossEntropyGrad, { dy: upstream, labels: soft, logits: x }],
    ];
    for (const [kernelName, inputs] of cases) {
      const ours = runConfig(tensorflowKernelConfigs, kernelName, inputs, modelBackend);
      const reference = runConfig(cpuKernelConfigs, kernelName, inputs, cpuBackend());
      expectClose(ours, tf.engine().makeTensorFromTensorInfo(reference), `${kernelName} (tensorflow model vs cpu)`);
    }
    tf.dispose([x, dy, onehot, soft, upstream]);
  });

  it('cross-entropy stays finite for logits of ±1e4 (TF LogSoftmax shifts by the row max)', () => {
    const z = tf.tensor2d([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]]);
    const y = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
    const loss = runConfig(tensorflowKernelConfigs, ManualSoftmaxCrossEntropy, { labels: y, logits: z }, modelBackend);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo((2e4 + 2e4 + Math.LN2) / 2, 1);
    tf.dispose([z, y, loss]);
  });

  it('the kernels call the intended TF ops and dispose their intermediates', () => {
    const z = randn([3, 4], 45);
    const y = oneHotLabels([3, 4], 46);
    const upstream = tf.scalar(1);
    modelBackend.calls.length = 0;
    expectNoLeak(() => {
      runConfig(tensorflowKernelConfigs, ManualSoftmaxCrossEntropy, { labels: y, logits: z }, modelBackend).dispose();
      runConfig(tensorflowKernelConfigs, ManualSoftmaxCrossEntropyGrad, { dy: upstream, labels: y, logits: z }, modelBackend).dispose();
    });
    expect(modelBackend.calls).toEqual(['LogSoftmax', 'Mul', 'Sum', 'RealDiv', 'Softmax', 'Sum', 'Mul', 'Sub', 'Reshape', 'RealDiv', 'Mul']);
    tf.dispose([z, y, upstream]);
  });

  it('the kernels reject int32 and mismatched inputs before calling TF', () => {
    const ints = tf.tensor1d([1, 2], 'int32');
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([2, 4]);
    expect(() => runConfig(tensorflowKernelConfigs, ManualRelu, { x: ints }, modelBackend)).toThrow("ManualRelu: input 'x' must be float32 but is int32");
    expect(() => runConfig(tensorflowKernelConfigs, ManualSoftmaxCrossEntropy, { labels: a, logits: b }, modelBackend)).toThrow(
      "ManualSoftmaxCrossEntropy: input 'labels' has shape [2,3] but 'logits' has shape [2,4]",
    );
    tf.dispose([ints, a, b]);
  });
});

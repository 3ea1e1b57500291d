/**
 * The tensorflow (tfjs-node) kernels run libtensorflow ops on TF tensor handles through the binding's
 * executeOp. libtensorflow cannot load on every machine, so besides the describe.each runs on the
 * real backend (forward/gradients/updates/errors tests, when tfjs-node loads) this file drives every
 * kernel's kernelFunc with a JS model of the binding: handles are cpu tensors, and each TF op is
 * checked against TensorFlow's op definition (inputs, attrs) and computed with tfjs built-ins,
 * including TF's own quirks (Relu(−0) = −0, ReluGrad's dy·0), so a wrong op, attr or composition gives
 * wrong numbers or an error. It also pins how many ops each kernel runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpuKernels from '../../custom-ops/backends/cpu/index.js';
import * as tensorflowKernels from '../../custom-ops/backends/tensorflow/index.js';
import type { TFEOpAttr, TensorMetadata, TensorflowBackend } from '../../custom-ops/backends/tensorflow/node_backend.js';
import { CUSTOM_KERNEL_NAMES, ManualRelu, ManualSoftmaxCrossEntropy, type CustomKernelName, unregisterCustomOps } from '../../custom-ops/index.js';
import { customKernelCases } from '../../gradcheck/kernel_cases.js';
import { activate, edgeValues, expectClose, expectedReluGrad, oneHotLabels, randn, RELU_EDGES, signedText, softLabels, UPSTREAM_EDGES } from './helpers.js';

const binding = { TF_ATTR_TYPE: 9, TF_ATTR_BOOL: 3, TF_ATTR_INT: 2, TF_ATTR_STRING: 0, TF_FLOAT: 1, TF_INT32: 3 };

type AttrSpec = 'float-type' | 'int32-type' | 'bool' | 'NHWC';
type OpSpec = { inputs: Array<'float32' | 'int32'>; attrs: Record<string, AttrSpec>; outputs?: number; run: (xs: Tensor[], attrs: Map<string, TFEOpAttr>) => Tensor | Tensor[] };

const T = { T: 'float-type' } as const;
const reduction = { keep_dims: 'bool', T: 'float-type', Tidx: 'int32-type' } as const;
const axesOf = (axes: Tensor): number[] => Array.from(axes.dataSync());
const keepDims = (attrs: Map<string, TFEOpAttr>): boolean => attrs.get('keep_dims')?.value === true;
const flag = (attrs: Map<string, TFEOpAttr>, name: string): boolean => attrs.get(name)?.value === true;
const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpSpec => ({ inputs: ['float32', 'float32'], attrs: T, run: ([a, b]) => f(a, b) });
const unary = (f: (a: Tensor) => Tensor): OpSpec => ({ inputs: ['float32'], attrs: T, run: ([a]) => f(a) });

/** What TF's Relu gives: max(x, 0) keeping −0 (tf.relu on cpu gives +0), NaN kept. */
const tfRelu = (x: Tensor): Tensor => tf.where(tf.equal(x, 0), x, tf.relu(x));

/** TensorFlow op definitions (tensorflow/core/ops/*_ops.cc) and semantics for the ops the kernels use. */
const TF_OPS: Record<string, OpSpec> = {
  Relu: unary(tfRelu),
  Abs: unary((x) => tf.abs(x)),
  Sign: unary((x) => tf.where(tf.isNaN(x), x, tf.sign(x))),
  Softmax: unary((x) => tf.softmax(x)),
  Sqrt: unary((x) => tf.sqrt(x)),
  Square: unary((x) => tf.square(x)),
  Mul: binary((a, b) => tf.mul(a, b)),
  AddV2: binary((a, b) => tf.add(a, b)),
  Sub: binary((a, b) => tf.sub(a, b)),
  RealDiv: binary((a, b) => tf.div(a, b)),
  MulNoNan: binary((a, b) => tf.where(tf.equal(b, 0), tf.zerosLike(a), tf.mul(a, b))),
  BatchMatMulV2: {
    inputs: ['float32', 'float32'],
    attrs: { adj_x: 'bool', adj_y: 'bool', T: 'float-type' },
    run: ([a, b], attrs) => tf.matMul(a, b, flag(attrs, 'adj_x'), flag(attrs, 'adj_y')),
  },
  BiasAddGrad: { inputs: ['float32'], attrs: { T: 'float-type', data_format: 'NHWC' }, run: ([g]) => tf.sum(g, 0) },
  SoftmaxCrossEntropyWithLogits: {
    inputs: ['float32', 'float32'],
    attrs: T,
    outputs: 2,
    run: ([features, labels]) => {
      expect(features.rank, 'SoftmaxCrossEntropyWithLogits takes matrices').toBe(2);
      return [tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(features)), -1)), tf.sub(tf.softmax(features), labels)];
    },
  },
  Sum: { inputs: ['float32', 'int32'], attrs: reduction, run: ([x, axes], attrs) => tf.sum(x, axesOf(axes), keepDims(attrs)) },
  Mean: { inputs: ['float32', 'int32'], attrs: reduction, run: ([x, axes], attrs) => tf.mean(x, axesOf(axes), keepDims(attrs)) },
  Reshape: { inputs: ['float32', 'int32'], attrs: { T: 'float-type', Tshape: 'int32-type' }, run: ([x, shape]) => tf.reshape(x, axesOf(shape)) },
};

function checkAttrs(name: string, spec: OpSpec, attrs: TFEOpAttr[]): Map<string, TFEOpAttr> {
  const byName = new Map(attrs.map((a) => [a.name, a]));
  expect([...byName.keys()].sort(), `${name} attr names`).toEqual(Object.keys(spec.attrs).sort());
  for (const [attrName, kind] of Object.entries(spec.attrs)) {
    const attr = byName.get(attrName)!;
    const [type, check] =
      kind === 'bool' ? [binding.TF_ATTR_BOOL, typeof attr.value === 'boolean'] :
      kind === 'NHWC' ? [binding.TF_ATTR_STRING, attr.value === 'NHWC'] :
      [binding.TF_ATTR_TYPE, attr.value === (kind === 'float-type' ? binding.TF_FLOAT : binding.TF_INT32)];
    expect(attr.type, `${name}.${attrName} type`).toBe(type);
    expect(check, `${name}.${attrName} value ${String(attr.value)}`).toBe(true);
  }
  return byName;
}

/** A stand-in NodeJSKernelBackend: TF handles are cpu tensors in `handles`; `ops` records every executeOp. */
function modelBackend(): TensorflowBackend & { ops: string[]; live: () => number; inputs: () => number; constants: () => number } {
  const handles = new Map<number, Tensor>();
  const inputIds = new Map<object, number>();
  let next = 1;
  const store = (t: Tensor): TensorMetadata => {
    const id = next++;
    handles.set(id, t);
    return { id, shape: t.shape, dtype: t.dtype === 'float32' ? binding.TF_FLOAT : binding.TF_INT32 };
  };
  const ops: string[] = [];
  let constants = 0;
  return {
    ops,
    live: () => handles.size,
    inputs: () => inputIds.size,
    constants: () => constants,
    binding: {
      ...binding,
      executeOp(name, attrs, ids, numOutputs) {
        const spec = TF_OPS[name];
        if (spec === undefined) throw new Error(`model: op ${name} is not one the kernels should call`);
        ops.push(name);
        expect(ids.length, `${name} input count`).toBe(spec.inputs.length);
        expect(numOutputs, `${name} output count`).toBe(spec.outputs ?? 1);
        const xs = ids.map((id, i) => {
          const t = handles.get(id);
          if (t === undefined) throw new Error(`model: ${name} input ${i} is a freed or unknown handle ${id}`);
          expect(t.dtype, `${name} input ${i} dtype`).toBe(spec.inputs[i]);
          return t;
        });
        const named = checkAttrs(name, spec, attrs);
        const out = tf.tidy(() => spec.run(xs, named));
        return (Array.isArray(out) ? out : [out]).map(store);
      },
      createTensor(shape, dtype, values) {
        constants++;
        return store(tf.tensor(values, shape, dtype === binding.TF_FLOAT ? 'float32' : 'int32')).id;
      },
      deleteTensor(id) {
        const t = handles.get(id);
        if (t === undefined) throw new Error(`model: handle ${id} deleted twice`);
        if (![...inputIds.values()].includes(id)) t.dispose();
        handles.delete(id);
      },
    },
    getInputTensorIds: (infos: TensorInfo[]) =>
      infos.map((info) => {
        let id = inputIds.get(info.dataId);
        if (id === undefined) {
          id = next++;
          inputIds.set(info.dataId, id);
          handles.set(id, info as Tensor);
        }
        return id;
      }),
    createOutputTensor: (metadata: TensorMetadata) => {
      const t = handles.get(metadata.id)!;
      handles.delete(metadata.id);
      return t;
    },
    readSync: (dataId) => tf.engine().readSync(dataId),
  };
}

function run(kernels: Record<CustomKernelName, (args: never) => unknown>, name: CustomKernelName, inputs: Record<string, Tensor>, backend: object, attrs = {}): Tensor[] {
  const kernelFunc = kernels[name] as (args: { inputs: Record<string, Tensor>; backend: object; attrs: object }) => Tensor | TensorInfo | Array<Tensor | TensorInfo>;
  const out = kernelFunc({ inputs, backend, attrs });
  return (Array.isArray(out) ? out : [out]).map((o) => ('rank' in o ? o : tf.engine().makeTensorFromTensorInfo(o)));
}

/** TF ops each kernel runs (on matrices); the kernels' own comments say the same. */
const OPS_PER_KERNEL: Record<CustomKernelName, number> = {
  ManualRelu: 2,
  ManualReluGrad: 3,
  ManualSoftmax: 1,
  ManualSoftmaxCrossEntropy: 2,
  ManualSoftmaxCrossEntropyGrad: 5,
  ManualDenseParamGrads: 2,
  ManualHiddenDelta: 4,
  ManualSgdUpdate: 2,
  ManualMomentumUpdate: 4,
  ManualAdamUpdate: 12,
};

describe('tensorflow kernels against a JS model of the TF ops they call (libtensorflow-independent)', () => {
  beforeAll(async () => {
    await activate('cpu');
    // Kernel functions are called directly here; nothing needs registering.
    unregisterCustomOps();
  });

  it('every kernel matches the cpu kernel on opcheck\'s inputs, runs the ops counted above and frees every handle it made', () => {
    const cases = customKernelCases(3);
    expect(cases.map((c) => c.kernel).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    for (const c of cases) {
      const name = c.kernel as CustomKernelName;
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
      const backend = modelBackend();
      const ours = run(tensorflowKernels, name, inputs, backend, c.attrs);
      expect(backend.ops.length, `${name}: ops ${backend.ops.join(', ')}`).toBe(OPS_PER_KERNEL[name]);
      // Only the inputs and the cached constants (axes, scalars) stay alive in the binding.
      expect(backend.live(), `${name}: live handles`).toBe(backend.inputs() + backend.constants());
      const reference = run(cpuKernels, name, inputs, tf.backend(), c.attrs);
      expect(ours.length, `${name} outputs`).toBe(reference.length);
      ours.forEach((o, i) => expectClose(o, reference[i], `${name} output ${i} (tensorflow model vs cpu)`));
      tf.dispose(Object.values(inputs));
    }
  });

  it.each([[[5]], [[1, 4]], [[3, 6]], [[2, 3, 4]]])('softmax, cross-entropy and its gradient match the cpu kernels for shape %j, labels summing to 1 or not', (shape) => {
    const x = randn(shape, 41, 2);
    const onehot = oneHotLabels(shape, 43);
    const soft = tf.tidy(() => tf.mul(softLabels(shape, 44), 1.5)); // rows sum to 1.5: exercises Σ_k y_k
    const upstream = tf.scalar(0.75);
    const cases: Array<[CustomKernelName, Record<string, Tensor>]> = [
      ['ManualSoftmax', { logits: x }],
      ['ManualSoftmaxCrossEntropy', { labels: onehot, logits: x }],
      ['ManualSoftmaxCrossEntropy', { labels: soft, logits: x }],
      ['ManualSoftmaxCrossEntropyGrad', { dy: upstream, labels: onehot, logits: x }],
      ['ManualSoftmaxCrossEntropyGrad', { dy: upstream, labels: soft, logits: x }],
    ];
    for (const [name, inputs] of cases) {
      const [ours] = run(tensorflowKernels, name, inputs, modelBackend());
      const [reference] = run(cpuKernels, name, inputs, tf.backend());
      expectClose(ours, reference, `${name} (tensorflow model vs cpu)`);
    }
    tf.dispose([x, onehot, soft, upstream]);
  });

  it('relu and its mask undo TF\'s quirks bit for bit: +0 for −0 and wherever x ≤ 0, NaN where x is NaN', () => {
    const xs = edgeValues(RELU_EDGES, 40);
    const dys = edgeValues(UPSTREAM_EDGES, 40, 2);
    const x = tf.tensor1d(xs);
    const dy = tf.tensor1d(dys);
    const [relu] = run(tensorflowKernels, 'ManualRelu', { x }, modelBackend());
    expect(signedText(relu.dataSync())).toEqual(signedText(xs.map((v) => (v > 0 || Number.isNaN(v) ? v : 0))));
    const [grad] = run(tensorflowKernels, 'ManualReluGrad', { dy, x }, modelBackend());
    expect(signedText(grad.dataSync())).toEqual(signedText(expectedReluGrad(dys, xs)));
    // The model keeps TF's quirk, so the fix is what is tested.
    const rawRelu = tfRelu(x);
    expect(signedText(rawRelu.dataSync())).toContain('-0');
    tf.dispose([x, dy, relu, grad, rawRelu]);
  });

  it('cross-entropy stays finite for logits of ±1e4 (TF shifts each row by its max)', () => {
    const z = tf.tensor2d([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]]);
    const y = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
    const [loss] = run(tensorflowKernels, ManualSoftmaxCrossEntropy, { labels: y, logits: z }, modelBackend());
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo((2e4 + 2e4 + Math.LN2) / 2, 1);
    tf.dispose([z, y, loss]);
  });

  it('the kernels free every intermediate handle, also when an op throws', () => {
    const backend = modelBackend();
    const x = randn([3, 4], 45);
    const [y] = run(tensorflowKernels, ManualRelu, { x }, backend);
    expect(backend.live()).toBe(1); // the input's handle, owned by tfjs
    const broken = { ...backend, binding: { ...backend.binding, executeOp: (name: string, ...rest: [TFEOpAttr[], number[], number]) => (name === 'Abs' ? (() => { throw new Error('Abs failed'); })() : backend.binding.executeOp(name, ...rest)) } };
    expect(() => run(tensorflowKernels, ManualRelu, { x }, broken)).toThrow('Abs failed');
    expect(backend.live()).toBe(1);
    tf.dispose([x, y]);
  });

  it('the kernels reject int32 and mismatched inputs before calling TF', () => {
    const ints = tf.tensor1d([1, 2], 'int32');
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([2, 4]);
    const backend = modelBackend();
    expect(() => run(tensorflowKernels, ManualRelu, { x: ints }, backend)).toThrow("ManualRelu: input 'x' must be float32 but is int32");
    expect(() => run(tensorflowKernels, ManualSoftmaxCrossEntropy, { labels: a, logits: b }, backend)).toThrow(
      "ManualSoftmaxCrossEntropy: input 'labels' has shape [2,3] but 'logits' has shape [2,4]",
    );
    expect(() => run(tensorflowKernels, 'ManualAdamUpdate', { param: a, grad: a, m: a, v: b }, backend, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1 })).toThrow(
      "ManualAdamUpdate: input 'v' has shape [2,4] but 'param' has shape [2,3]",
    );
    expect(backend.ops).toEqual([]);
    tf.dispose([ints, a, b]);
  });
});

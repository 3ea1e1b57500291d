/**
 * The audit's table: for each tfjs kernel with a registered gradient, one or two calls of its
 * public op, with inputs whose domains keep every finite difference away from poles, branch cuts,
 * kinks and jumps (log on x > 0, acos on |x| < 1, relu and abs on |x| ≥ 0.3, floor on x off
 * integers…), integer attributes where the op needs them, and which inputs are differentiated
 * (every float input unless `wrt` says otherwise). `call` is the op as code, for the report and the
 * reproductions; `fn` is the same call. `twin` is a float64 re-implementation (gradcheck/audit/twins.ts)
 * where one is short; without it, failures are confirmed by per-coordinate re-checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Float64Reference } from '../gradcheck.js';
import type { TensorFunction } from '../fd32/scalarize.js';
import { binary64, erf64, matMul64, reduce64, mirrorPad64, softmax64, unary64, window64 } from './twins.js';

/**
 * normal: standard normal; [lo, hi]: uniform; nonzero: uniform in ±[0.3, 2] (kinks at 0);
 * offInteger: k + [0.25, 0.75] for k in −2..1 (floor, ceil); nearInteger: k ± 0.25 (round).
 */
export type Domain = 'normal' | 'nonzero' | 'offInteger' | 'nearInteger' | readonly [number, number];

export interface AuditInput {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  domain: Domain;
  /** Fixed values (indices, masks). */
  values?: number[];
}

export interface AuditCase {
  /** The tfjs kernel this case reaches through its public op. */
  kernel: string;
  /** The public op call, as code: tf.<op>(…) over the input names. */
  call: string;
  fn: TensorFunction;
  inputs: AuditInput[];
  /** Indices of the differentiated inputs; default every float32 input. */
  wrt?: number[];
  twin?: Float64Reference;
  /** The op is elementwise in one input: a failure reproduces on a scalar. */
  elementwise?: (x: number) => number;
  /** A composite op whose custom gradient reads its own saved output (as tfjs kernels declare with outputsToSave). */
  savesOutput?: boolean;
  /** Longest fp32 sum inside the op (widens fp32~f64 floors by √K); default 1. */
  reductionTerms?: number;
}

const input =
  (domain: Domain) =>
  (name: string, ...shape: number[]): AuditInput => ({ name, shape, dtype: 'float32', domain });
const normal = input('normal');
const nonzero = input('nonzero');
const uniform = (lo: number, hi: number): ((name: string, ...shape: number[]) => AuditInput) => input([lo, hi]);
const ints = (name: string, values: number[], shape = [values.length]): AuditInput => ({ name, shape, dtype: 'int32', domain: 'normal', values });
const bools = (name: string, values: number[], shape = [values.length]): AuditInput => ({ name, shape, dtype: 'bool', domain: 'normal', values });

type Unary = (x: tf.Tensor) => tf.Tensor;
/** [kernel, op name, the op, domain, float64 function (absent: no twin)]. */
type UnaryRow = [string, string, Unary, Domain, ((x: number) => number) | undefined];

const selu = (x: number): number => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x));
const isFloat = (x: tf.Tensor): tf.Tensor => tf.cast(x, 'float32');
const zero = (): number => 0;

const UNARY: UnaryRow[] = [
  ['Abs', 'abs', tf.abs, 'nonzero', Math.abs],
  ['Acos', 'acos', tf.acos, [-0.9, 0.9], Math.acos],
  ['Acosh', 'acosh', tf.acosh, [1.2, 3], Math.acosh],
  ['Asin', 'asin', tf.asin, [-0.9, 0.9], Math.asin],
  ['Asinh', 'asinh', tf.asinh, 'normal', Math.asinh],
  ['Atan', 'atan', tf.atan, 'normal', Math.atan],
  ['Atanh', 'atanh', tf.atanh, [-0.9, 0.9], Math.atanh],
  ['Ceil', 'ceil', tf.ceil, 'offInteger', Math.ceil],
  ['Cos', 'cos', tf.cos, 'normal', Math.cos],
  ['Cosh', 'cosh', tf.cosh, 'normal', Math.cosh],
  ['Elu', 'elu', tf.elu, 'nonzero', (x) => (x > 0 ? x : Math.expm1(x))],
  ['Erf', 'erf', tf.erf, [-2, 2], erf64],
  ['Exp', 'exp', tf.exp, 'normal', Math.exp],
  ['Expm1', 'expm1', tf.expm1, 'normal', Math.expm1],
  ['Floor', 'floor', tf.floor, 'offInteger', Math.floor],
  ['Identity', 'clone', tf.clone, 'normal', (x) => x],
  ['Log', 'log', tf.log, [0.5, 3], Math.log],
  ['Log1p', 'log1p', tf.log1p, [-0.5, 2], Math.log1p],
  ['Neg', 'neg', tf.neg, 'normal', (x) => -x],
  ['OnesLike', 'onesLike', tf.onesLike, 'normal', () => 1],
  ['Reciprocal', 'reciprocal', tf.reciprocal, 'nonzero', (x) => 1 / x],
  ['Relu', 'relu', tf.relu, 'nonzero', (x) => Math.max(x, 0)],
  ['Relu6', 'relu6', tf.relu6, 'nonzero', (x) => Math.min(Math.max(x, 0), 6)],
  ['Round', 'round', tf.round, 'nearInteger', Math.round],
  ['Rsqrt', 'rsqrt', tf.rsqrt, [0.5, 3], (x) => 1 / Math.sqrt(x)],
  ['Selu', 'selu', tf.selu, 'nonzero', selu],
  ['Sigmoid', 'sigmoid', tf.sigmoid, 'normal', (x) => 1 / (1 + Math.exp(-x))],
  ['Sign', 'sign', tf.sign, 'nonzero', Math.sign],
  ['Sin', 'sin', tf.sin, 'normal', Math.sin],
  ['Sinh', 'sinh', tf.sinh, 'normal', Math.sinh],
  ['Softplus', 'softplus', tf.softplus, 'normal', (x) => Math.log1p(Math.exp(x))],
  ['Sqrt', 'sqrt', tf.sqrt, [0.5, 3], Math.sqrt],
  ['Square', 'square', tf.square, 'normal', (x) => x * x],
  ['Step', 'step', tf.step, 'nonzero', (x) => (x > 0 ? 1 : 0)],
  ['Tan', 'tan', tf.tan, [-1.2, 1.2], Math.tan],
  ['Tanh', 'tanh', tf.tanh, 'normal', Math.tanh],
  ['ZerosLike', 'zerosLike', tf.zerosLike, 'normal', zero],
];

function unaryCase([kernel, op, f, domain, twin]: UnaryRow): AuditCase {
  return { kernel, call: `tf.${op}(x)`, fn: (x) => f(x), inputs: [input(domain)('x', 3, 4)], twin: twin && unary64(twin), elementwise: twin };
}

/** The float inputs of a binary op: a of shape [2, 3], b of shape [3], broadcast across a's rows. */
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type BinaryRow = [string, string, Binary, Domain, Domain, ((a: number, b: number) => number) | undefined];

const BINARY: BinaryRow[] = [
  ['Add', 'add', tf.add, 'normal', 'normal', (a, b) => a + b],
  ['Sub', 'sub', tf.sub, 'normal', 'normal', (a, b) => a - b],
  ['Multiply', 'mul', tf.mul, 'normal', 'normal', (a, b) => a * b],
  ['RealDiv', 'div', tf.div, 'normal', 'nonzero', (a, b) => a / b],
  ['Maximum', 'maximum', tf.maximum, 'normal', 'normal', Math.max],
  ['Minimum', 'minimum', tf.minimum, 'normal', 'normal', Math.min],
  ['Pow', 'pow', tf.pow, [0.5, 2], 'normal', Math.pow],
  ['SquaredDifference', 'squaredDifference', tf.squaredDifference, 'normal', 'normal', (a, b) => (a - b) ** 2],
  ['Atan2', 'atan2', tf.atan2, 'nonzero', 'nonzero', Math.atan2],
  // mod jumps where a/b crosses an integer: a/b stays in (2.08, 2.73).
  ['Mod', 'mod', tf.mod, [2.5, 3], [1.1, 1.2], (a, b) => a - b * Math.floor(a / b)],
  ['Prelu', 'prelu', tf.prelu, 'nonzero', [0.1, 0.3], (x, alpha) => (x > 0 ? x : alpha * x)],
];

function binaryCase([kernel, op, f, da, db, twin]: BinaryRow): AuditCase {
  return { kernel, call: `tf.${op}(a, b)`, fn: (a, b) => f(a, b), inputs: [input(da)('a', 2, 3), input(db)('b', 3)], twin: twin && binary64(twin) };
}

const castFloat = (x: tf.Tensor): tf.Tensor => tf.cast(x, 'float32');

const OTHER: AuditCase[] = [
  // Unary with attributes, and ops whose output is not float (cast back so that it can be weighed).
  { kernel: 'ClipByValue', call: 'tf.clipByValue(x, -1, 1)', fn: (x) => tf.clipByValue(x, -1, 1), inputs: [uniform(-0.8, 0.8)('x', 3, 4)], twin: unary64((x) => Math.min(Math.max(x, -1), 1)) },
  { kernel: 'LeakyRelu', call: 'tf.leakyRelu(x, 0.2)', fn: (x) => tf.leakyRelu(x, 0.2), inputs: [nonzero('x', 3, 4)], twin: unary64((x) => (x > 0 ? x : 0.2 * x)), elementwise: (x) => (x > 0 ? x : 0.2 * x) },
  { kernel: 'Cast', call: "tf.cast(x, 'float32')", fn: (x) => tf.cast(x, 'float32'), inputs: [normal('x', 3, 4)], twin: unary64((x) => x) },
  { kernel: 'IsFinite', call: "tf.cast(tf.isFinite(x), 'float32')", fn: (x) => isFloat(tf.isFinite(x)), inputs: [normal('x', 3, 4)], twin: unary64(() => 1) },
  { kernel: 'IsInf', call: "tf.cast(tf.isInf(x), 'float32')", fn: (x) => isFloat(tf.isInf(x)), inputs: [normal('x', 3, 4)], twin: unary64(zero) },
  { kernel: 'IsNan', call: "tf.cast(tf.isNaN(x), 'float32')", fn: (x) => isFloat(tf.isNaN(x)), inputs: [normal('x', 3, 4)], twin: unary64(zero) },
  { kernel: 'GreaterEqual', call: "tf.cast(tf.greaterEqual(a, b), 'float32')", fn: (a, b) => castFloat(tf.greaterEqual(a, b)), inputs: [uniform(0.5, 2)('a', 2, 3), uniform(-2, -0.5)('b', 3)], twin: binary64((a, b) => (a >= b ? 1 : 0)) },
  // tf.floorDiv returns int32 even for float inputs; the cast lets its gradient be weighed. a/b stays in (0.1, 0.85), off the jumps.
  { kernel: 'FloorDiv', call: "tf.cast(tf.floorDiv(a, b), 'float32')", fn: (a, b) => castFloat(tf.floorDiv(a, b)), inputs: [uniform(0.3, 1.7)('a', 2, 3), uniform(2, 3)('b', 3)], twin: binary64((a, b) => Math.floor(a / b)) },
  { kernel: 'Select', call: 'tf.where(cond, a, b)', fn: (cond, a, b) => tf.where(cond, a, b), inputs: [bools('cond', [1, 0, 0, 1, 1, 0], [2, 3]), normal('a', 2, 3), normal('b', 2, 3)] },
  { kernel: 'AddN', call: 'tf.addN([a, b, c])', fn: (a, b, c) => tf.addN([a, b, c]), inputs: [normal('a', 2, 3), normal('b', 2, 3), normal('c', 2, 3)] },
  // Reductions with axes.
  { kernel: 'Sum', call: 'tf.sum(x, 1)', fn: (x) => tf.sum(x, 1), inputs: [normal('x', 3, 4)], twin: reduce64('sum', [1]) },
  { kernel: 'Mean', call: 'tf.mean(x, [0, 2])', fn: (x) => tf.mean(x, [0, 2]), inputs: [normal('x', 2, 3, 4)], twin: reduce64('mean', [0, 2]) },
  { kernel: 'Max', call: 'tf.max(x, 1)', fn: (x) => tf.max(x, 1), inputs: [normal('x', 3, 4)], twin: reduce64('max', [1]) },
  { kernel: 'Min', call: 'tf.min(x, 0, true)', fn: (x) => tf.min(x, 0, true), inputs: [normal('x', 3, 4)], twin: reduce64('min', [0]) },
  { kernel: 'Prod', call: 'tf.prod(x, 1)', fn: (x) => tf.prod(x, 1), inputs: [nonzero('x', 3, 4)], twin: reduce64('prod', [1]) },
  { kernel: 'ArgMax', call: "tf.cast(tf.argMax(x, 1), 'float32')", fn: (x) => castFloat(tf.argMax(x, 1)), inputs: [normal('x', 3, 4)] },
  { kernel: 'ArgMin', call: "tf.cast(tf.argMin(x, 0), 'float32')", fn: (x) => castFloat(tf.argMin(x, 0)), inputs: [normal('x', 3, 4)] },
  { kernel: 'Cumsum', call: 'tf.cumsum(x, 1, true, true)', fn: (x) => tf.cumsum(x, 1, true, true), inputs: [normal('x', 3, 4)] },
  { kernel: 'Softmax', call: 'tf.softmax(x)', fn: (x) => tf.softmax(x), inputs: [normal('x', 3, 5)], twin: softmax64 },
  // Matrix products and convolutions.
  { kernel: 'BatchMatMul', call: 'tf.matMul(a, b)', fn: (a, b) => tf.matMul(a, b), inputs: [normal('a', 2, 3, 4), normal('b', 4, 5)], twin: matMul64(false, false), reductionTerms: 4 },
  { kernel: 'BatchMatMul', call: 'tf.matMul(a, b, true, true)', fn: (a, b) => tf.matMul(a, b, true, true), inputs: [normal('a', 4, 3), normal('b', 5, 4)], twin: matMul64(true, true), reductionTerms: 4 },
  { kernel: 'Conv2D', call: "tf.conv2d(x, w, [2, 1], 'same')", fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same'), inputs: [normal('x', 1, 5, 4, 2), normal('w', 3, 3, 2, 3)], reductionTerms: 18 },
  {
    kernel: 'Conv2DBackpropInput',
    call: "tf.conv2dTranspose(x, w, [1, 5, 5, 2], 2, 'same')",
    fn: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 5, 5, 2], 2, 'same'),
    inputs: [normal('x', 1, 3, 3, 3), normal('w', 3, 3, 2, 3)],
    reductionTerms: 27,
  },
  { kernel: 'Conv3D', call: "tf.conv3d(x, w, 1, 'valid')", fn: (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'valid'), inputs: [normal('x', 1, 3, 3, 3, 2), normal('w', 2, 2, 2, 2, 2)], reductionTerms: 16 },
  {
    kernel: 'DepthwiseConv2dNative',
    call: "tf.depthwiseConv2d(x, w, 1, 'valid')",
    fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
    inputs: [normal('x', 1, 4, 4, 2), normal('w', 2, 2, 2, 2)],
    reductionTerms: 4,
  },
  {
    kernel: 'Dilation2D',
    call: "tf.dilation2d(x, f, 1, 'valid')",
    fn: (x, f) => tf.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, 1, 'valid'),
    inputs: [normal('x', 1, 4, 4, 2), normal('f', 2, 2, 2)],
    twin: window64('dilation', 2, 1),
  },
  // Pooling (integer window sizes and strides).
  { kernel: 'AvgPool', call: "tf.avgPool(x, 2, 1, 'valid')", fn: (x) => tf.avgPool(x as tf.Tensor4D, 2, 1, 'valid'), inputs: [normal('x', 1, 4, 4, 2)], twin: window64('avg', 2, 1), reductionTerms: 4 },
  { kernel: 'MaxPool', call: "tf.maxPool(x, 2, 1, 'valid')", fn: (x) => tf.maxPool(x as tf.Tensor4D, 2, 1, 'valid'), inputs: [normal('x', 1, 4, 4, 2)], twin: window64('max', 2, 1) },
  { kernel: 'AvgPool3D', call: "tf.avgPool3d(x, 2, 1, 'valid')", fn: (x) => tf.avgPool3d(x as tf.Tensor5D, 2, 1, 'valid'), inputs: [normal('x', 1, 3, 3, 3, 1)] },
  { kernel: 'MaxPool3D', call: "tf.maxPool3d(x, 2, 1, 'valid')", fn: (x) => tf.maxPool3d(x as tf.Tensor5D, 2, 1, 'valid'), inputs: [normal('x', 1, 3, 3, 3, 1)] },
  // Gather, scatter, slicing and shape.
  { kernel: 'GatherV2', call: 'tf.gather(x, indices, 0)', fn: (x, i) => tf.gather(x, i, 0), inputs: [normal('x', 4, 3), ints('indices', [2, 0, 2])] },
  { kernel: 'UnsortedSegmentSum', call: 'tf.unsortedSegmentSum(x, ids, 3)', fn: (x, ids) => tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 3), inputs: [normal('x', 4, 3), ints('ids', [0, 2, 0, 1])] },
  { kernel: 'Slice', call: 'tf.slice(x, [1, 1], [2, 2])', fn: (x) => tf.slice(x, [1, 1], [2, 2]), inputs: [normal('x', 3, 4)] },
  { kernel: 'Concat', call: 'tf.concat([a, b], 1)', fn: (a, b) => tf.concat([a, b], 1), inputs: [normal('a', 2, 3), normal('b', 2, 2)] },
  { kernel: 'Pack', call: 'tf.stack([a, b], 1)', fn: (a, b) => tf.stack([a, b], 1), inputs: [normal('a', 2, 3), normal('b', 2, 3)] },
  { kernel: 'Unpack', call: 'tf.unstack(x, 1)', fn: (x) => tf.unstack(x, 1), inputs: [normal('x', 2, 3)] },
  { kernel: 'SplitV', call: 'tf.split(x, [1, 3], 1)', fn: (x) => tf.split(x, [1, 3], 1), inputs: [normal('x', 3, 4)] },
  { kernel: 'Reshape', call: 'tf.reshape(x, [2, 6])', fn: (x) => tf.reshape(x, [2, 6]), inputs: [normal('x', 3, 4)] },
  { kernel: 'ExpandDims', call: 'tf.expandDims(x, 1)', fn: (x) => tf.expandDims(x, 1), inputs: [normal('x', 3, 4)] },
  { kernel: 'Transpose', call: 'tf.transpose(x, [2, 0, 1])', fn: (x) => tf.transpose(x, [2, 0, 1]), inputs: [normal('x', 2, 3, 4)] },
  { kernel: 'Tile', call: 'tf.tile(x, [2, 3])', fn: (x) => tf.tile(x, [2, 3]), inputs: [normal('x', 2, 3)] },
  { kernel: 'Reverse', call: 'tf.reverse(x, [1])', fn: (x) => tf.reverse(x, [1]), inputs: [normal('x', 3, 4)] },
  { kernel: 'PadV2', call: 'tf.pad(x, [[1, 0], [0, 2]], 0.5)', fn: (x) => tf.pad(x, [[1, 0], [0, 2]], 0.5), inputs: [normal('x', 3, 4)] },
  { kernel: 'MirrorPad', call: "tf.mirrorPad(x, [[1, 1], [2, 0]], 'reflect')", fn: (x) => tf.mirrorPad(x, [[1, 1], [2, 0]], 'reflect'), inputs: [normal('x', 3, 4)], twin: mirrorPad64([[1, 1], [2, 0]], 'reflect') },
  { kernel: 'BatchToSpaceND', call: 'tf.batchToSpaceND(x, [2, 2], [[0, 0], [0, 1]])', fn: (x) => tf.batchToSpaceND(x, [2, 2], [[0, 0], [0, 1]]), inputs: [normal('x', 4, 2, 2, 1)] },
  { kernel: 'SpaceToBatchND', call: 'tf.spaceToBatchND(x, [2, 2], [[0, 0], [1, 1]])', fn: (x) => tf.spaceToBatchND(x, [2, 2], [[0, 0], [1, 1]]), inputs: [normal('x', 1, 4, 2, 1)] },
  { kernel: 'ResizeBilinear', call: 'tf.image.resizeBilinear(x, [5, 4])', fn: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 4]), inputs: [normal('x', 1, 3, 3, 2)] },
  { kernel: 'ResizeNearestNeighbor', call: 'tf.image.resizeNearestNeighbor(x, [5, 4])', fn: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [5, 4]), inputs: [normal('x', 1, 3, 3, 2)] },
  // Normalisation.
  {
    kernel: 'FusedBatchNorm',
    call: 'tf.batchNorm(x, mean, variance, offset, scale, 0.001)',
    fn: (x, mean, variance, offset, scale) => tf.batchNorm(x, mean, variance, offset, scale, 0.001),
    inputs: [normal('x', 2, 3), normal('mean', 3), uniform(0.5, 2)('variance', 3), normal('offset', 3), normal('scale', 3)],
  },
  { kernel: 'LRN', call: 'tf.localResponseNormalization(x, 1, 1, 0.5, 0.75)', fn: (x) => tf.localResponseNormalization(x as tf.Tensor4D, 1, 1, 0.5, 0.75), inputs: [normal('x', 1, 2, 2, 4)] },
];

/** Ops that are no kernel of their own (compositions, custom gradients) but that users differentiate: losses and fused ops. */
const COMPOSITE: AuditCase[] = [
  { kernel: 'op:logSoftmax', call: 'tf.logSoftmax(x)', fn: (x) => tf.logSoftmax(x), inputs: [normal('x', 3, 5)], savesOutput: true },
  { kernel: 'op:logSumExp', call: 'tf.logSumExp(x, 1)', fn: (x) => tf.logSumExp(x, 1), inputs: [normal('x', 3, 5)] },
  // Labels are distributions (rows summing to 1), as softmaxCrossEntropy's gradient p − y assumes.
  {
    kernel: 'op:losses.softmaxCrossEntropy',
    call: 'tf.losses.softmaxCrossEntropy(labels, logits)',
    fn: (y, z) => tf.losses.softmaxCrossEntropy(y, z),
    inputs: [{ ...normal('labels', 3, 4), values: [0.25, 0.5, 0, 0.25, 0, 0, 1, 0, 0.125, 0.125, 0.375, 0.375] }, normal('logits', 3, 4)],
    wrt: [1],
    savesOutput: true,
  },
  { kernel: 'op:losses.sigmoidCrossEntropy', call: 'tf.losses.sigmoidCrossEntropy(labels, logits)', fn: (y, z) => tf.losses.sigmoidCrossEntropy(y, z), inputs: [uniform(0, 1)('labels', 3, 4), normal('logits', 3, 4)], wrt: [1] },
  { kernel: 'op:losses.meanSquaredError', call: 'tf.losses.meanSquaredError(labels, predictions)', fn: (y, p) => tf.losses.meanSquaredError(y, p), inputs: [normal('labels', 3, 4), normal('predictions', 3, 4)] },
  { kernel: 'op:losses.huberLoss', call: 'tf.losses.huberLoss(labels, predictions)', fn: (y, p) => tf.losses.huberLoss(y, p), inputs: [normal('labels', 3, 4), normal('predictions', 3, 4)] },
  { kernel: 'op:losses.logLoss', call: 'tf.losses.logLoss(labels, predictions)', fn: (y, p) => tf.losses.logLoss(y, p), inputs: [uniform(0, 1)('labels', 3, 4), uniform(0.1, 0.9)('predictions', 3, 4)] },
  { kernel: 'op:losses.cosineDistance', call: 'tf.losses.cosineDistance(labels, predictions, 1)', fn: (y, p) => tf.losses.cosineDistance(y, p, 1), inputs: [normal('labels', 3, 4), normal('predictions', 3, 4)] },
  { kernel: 'op:norm', call: 'tf.norm(x)', fn: (x) => tf.norm(x), inputs: [normal('x', 3, 4)] },
  { kernel: 'op:moments', call: 'tf.moments(x, 0).variance', fn: (x) => tf.moments(x, 0).variance, inputs: [normal('x', 3, 4)] },
  { kernel: 'op:fused.matMul', call: "tf.fused.matMul({ a, b, bias, activation: 'elu' })", fn: (a, b, bias) => tf.fused.matMul({ a, b, bias, activation: 'elu' }), inputs: [normal('a', 3, 4), normal('b', 4, 2), normal('bias', 2)] },
  {
    kernel: 'op:fused.conv2d',
    call: "tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'sigmoid' })",
    fn: (x, filter, bias) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'sigmoid' }),
    inputs: [normal('x', 1, 3, 3, 2), normal('filter', 2, 2, 2, 2), normal('bias', 2)],
  },
];

/** Kernels with a registered gradient that no case reaches, and why. */
export const LEFT_OUT: Readonly<Record<string, string>> = {
  ComplexAbs: 'its input is complex64, and tfjs registers no gradient for Complex, Real or Imag, so no float32 input reaches it',
  OneHot: 'its only input is integer indices: nothing float32 to differentiate',
  BroadcastTo: 'no backend registers a BroadcastTo kernel (tf.broadcastTo runs Tile), so its gradient is never used',
  LogSoftmax: 'no backend registers a LogSoftmax kernel (tf.logSoftmax is a custom gradient of other kernels, checked as op:logSoftmax)',
};

/** Every case, unary and binary tables expanded; tfjs kernels first, then composite ops. */
export function auditCases(): AuditCase[] {
  return [...UNARY.map(unaryCase), ...BINARY.map(binaryCase), ...OTHER, ...COMPOSITE];
}

/** Case label: the kernel, and the call when a kernel has several cases. */
export function caseLabel(c: AuditCase): string {
  return c.kernel.startsWith('op:') ? c.call : `${c.kernel} · ${c.call}`;
}

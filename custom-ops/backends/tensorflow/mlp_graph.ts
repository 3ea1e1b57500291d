/**
 * The MLP's whole training step, and its evaluation, as one TensorFlow graph, composed from the
 * tensorflow kernels' own op sequences (reluOps, rowCrossEntropiesOps, crossEntropyGradOps,
 * denseParamGradsOps, hiddenDeltaOps and the updates) recorded as nodes instead of run one by one:
 *   X = trainX[rows], Y = onehot(trainLabels[rows]),
 *   R_l = H_{l−1}·W_l + b_l, H_l = relu(R_l), Z = H_{L−1}·W_L + b_L, L = mean_n CE(Y_n, Z_n),
 *   G_L = c·(P − Y) with c = 1/N, dW_l = H_{l−1}ᵀ·G_l, db_l = 1ᵀ·G_l, G_{l−1} = (G_l·W_lᵀ) ⊙ 1(H_{l−1} > 0),
 * then the optimizer's update of every parameter. The graph is written as a SavedModel in protobuf
 * text format, the one way into a TF session that tfjs-node's binding offers (loadSavedModel).
 */
import type { FusedOptimizerKind } from '../../util/fused_mlp_spec.js';
import { adamOps, type AdamScalars } from './ManualAdamUpdate.js';
import { denseParamGradsOps } from './ManualDenseParamGrads.js';
import { hiddenDeltaOps } from './ManualHiddenDelta.js';
import { momentumOps } from './ManualMomentumUpdate.js';
import { reluOps } from './ManualRelu.js';
import { rowCrossEntropiesOps } from './ManualSoftmaxCrossEntropy.js';
import { crossEntropyGradOps } from './ManualSoftmaxCrossEntropyGrad.js';
import { sgdOps } from './ManualSgdUpdate.js';
import { TfOps, type TensorflowBinding, type TFEOpAttr } from './node_backend.js';

/** A graph's text and the names of what it is fed and what it returns, in feeding and returning order. */
export type MlpGraph = { savedModelText: string; inputs: string[]; outputs: string[] };

/** TF_DataType values (the binding's TF_FLOAT, TF_INT32, …) by their names in a GraphDef. */
const DATA_TYPE_NAMES = new Map([
  [1, 'DT_FLOAT'],
  [3, 'DT_INT32'],
  [10, 'DT_BOOL'],
]);
const TF_BOOL = 10;

function dataTypeName(dtype: number): string {
  const name = DATA_TYPE_NAMES.get(dtype);
  if (name === undefined) throw new Error(`mlp graph: no GraphDef name for TF_DataType ${dtype}`);
  return name;
}

/** Ops recorded as the nodes of one GraphDef; a handle is the name of a node's output ("n4", "n4:1"). */
class GraphOps extends TfOps<string> {
  private readonly nodes: string[] = [];
  private readonly constants = new Map<string, string>();
  private readonly scope: string;

  /** With `xla`, every op is in one XLA JIT scope (a jit_scope's node attrs): the session compiles the graph per input shape. */
  constructor(binding: TensorflowBinding, xla: boolean) {
    super(binding);
    this.scope = xla ? ' attr { key: "_XlaCompile" value { b: true } } attr { key: "_XlaScope" value { s: "handgrad" } }' : '';
  }

  intAttr(name: string, value: number): TFEOpAttr {
    return { name, type: this.binding.TF_ATTR_INT, value };
  }

  boolTypeAttr(name: string): TFEOpAttr {
    return { name, type: this.binding.TF_ATTR_TYPE, value: TF_BOOL };
  }

  placeholder(name: string, dtype: 'float32' | 'int32' = 'float32'): string {
    const type = dtype === 'float32' ? this.binding.TF_FLOAT : this.binding.TF_INT32;
    this.nodes.push(`node { name: "${name}" op: "Placeholder" attr { key: "dtype" value { type: ${dataTypeName(type)} } } }`);
    return name;
  }

  scalar(value: number): string {
    return this.constant(this.binding.TF_FLOAT, [], [value]);
  }

  ints(values: number[]): string {
    return this.constant(this.binding.TF_INT32, [values.length], values);
  }

  int(value: number): string {
    return this.constant(this.binding.TF_INT32, [], [value]);
  }

  run(opName: string, attrs: TFEOpAttr[], inputs: string[], numOutputs = 1): string[] {
    const name = `n${this.nodes.length}`;
    const inputText = inputs.map((input) => `input: "${input}"`).join(' ');
    this.nodes.push(`node { name: "${name}" op: "${opName}" ${inputText} ${attrs.map((a) => this.attrText(a)).join(' ')}${this.scope} }`);
    return Array.from({ length: numOutputs }, (_, i) => (i === 0 ? name : `${name}:${i}`));
  }

  savedModelText(): string {
    // producer: a TF 2.x GraphDef version (TF 2.21 reads graphs from 0 up).
    return `saved_model_schema_version: 1\nmeta_graphs {\n meta_info_def { tags: "serve" }\n graph_def {\n${this.nodes.join('\n')}\n versions { producer: 1645 }\n }\n}\n`;
  }

  private constant(dtype: number, shape: number[], values: number[]): string {
    const field = dtype === this.binding.TF_FLOAT ? 'float_val' : 'int_val';
    // The text format reads float_val with strtof: the shortest decimal that round-trips the double
    // rounds to the same float32 as Float32Array.from in the eager kernels' constants.
    const valueText = values.map((v) => `${field}: ${Object.is(v, -0) ? '-0.0' : String(v)}`).join(' ');
    const dims = shape.map((size) => `dim { size: ${size} }`).join(' ');
    const tensor = `tensor { dtype: ${dataTypeName(dtype)} tensor_shape { ${dims} } ${valueText} }`;
    const known = this.constants.get(tensor);
    if (known !== undefined) return known;
    const name = `n${this.nodes.length}`;
    this.nodes.push(`node { name: "${name}" op: "Const" attr { key: "dtype" value { type: ${dataTypeName(dtype)} } } attr { key: "value" value { ${tensor} } } }`);
    this.constants.set(tensor, name);
    return name;
  }

  private attrText({ name, type, value }: TFEOpAttr): string {
    const b = this.binding;
    let valueText: string;
    if (type === b.TF_ATTR_TYPE) valueText = `type: ${dataTypeName(Number(value))}`;
    else if (type === b.TF_ATTR_BOOL) valueText = `b: ${String(value)}`;
    else if (type === b.TF_ATTR_INT) valueText = `i: ${String(value)}`;
    else if (type === b.TF_ATTR_STRING) valueText = `s: "${String(value)}"`;
    else throw new Error(`mlp graph: attr ${name} has an attr type the graph writer does not know (${type})`);
    return `attr { key: "${name}" value { ${valueText} } }`;
  }
}

/** W_1, b_1, W_2, b_2, … as placeholders named with `prefix`. */
function paramPlaceholders(ops: GraphOps, layers: number, prefix: string): string[] {
  return Array.from({ length: 2 * layers }, (_, i) => ops.placeholder(`${prefix}${i % 2 === 0 ? 'W' : 'b'}_${Math.floor(i / 2) + 1}`));
}

function gatherRows(ops: GraphOps, table: string, rows: string, dtype: 'float32' | 'int32'): string {
  const attrs = [ops.typeAttr('Tparams', dtype), ops.typeAttr('Tindices', 'int32'), ops.typeAttr('Taxis', 'int32'), ops.intAttr('batch_dims', 0)];
  return ops.run('GatherV2', attrs, [table, rows, ops.int(0)])[0];
}

function oneHot(ops: GraphOps, labels: string, classes: number): string {
  const attrs = [ops.intAttr('axis', -1), ops.typeAttr('T', 'float32'), ops.typeAttr('TI', 'int32')];
  return ops.run('OneHot', attrs, [labels, ops.int(classes), ops.scalar(1), ops.scalar(0)])[0];
}

/** The layer inputs H_0 = X, H_1, …, H_{L−1} and the logits Z. */
function forward(ops: GraphOps, params: string[], x: string): { inputs: string[]; logits: string } {
  const layers = params.length / 2;
  const affine = (h: string, l: number) => ops.float('AddV2', ops.matMul(h, params[2 * l], false, false), params[2 * l + 1]);
  const inputs = [x];
  for (let l = 0; l < layers - 1; l++) inputs.push(reluOps(ops, affine(inputs[l], l)));
  return { inputs, logits: affine(inputs[layers - 1], layers - 1) };
}

/** Σ_n 1(argmax_k Z_nk = y_n) as float32 (ArgMax takes the first of tied maxima). */
function hitCount(ops: GraphOps, logits: string, labels: string): string {
  const predicted = ops.run('ArgMax', [ops.typeAttr('T', 'float32'), ops.typeAttr('Tidx', 'int32'), ops.typeAttr('output_type', 'int32')], [logits, ops.int(1)])[0];
  const equal = ops.run('Equal', [ops.typeAttr('T', 'int32'), ops.boolAttr('incompatible_shape_error', true)], [predicted, labels])[0];
  const hits = ops.run('Cast', [ops.boolTypeAttr('SrcT'), ops.typeAttr('DstT', 'float32'), ops.boolAttr('Truncate', false)], [equal])[0];
  return ops.reduce('Sum', hits, [0], false);
}

/** [a, b] as one float32 vector, so that a step's loss and hit count come back in one read. */
function pair(ops: GraphOps, a: string, b: string): string {
  return ops.run('Pack', [ops.intAttr('N', 2), ops.typeAttr('T', 'float32'), ops.intAttr('axis', 0)], [a, b])[0];
}

/** The optimizer's scalars, fed every step: named placeholders in a fixed order. */
const OPTIMIZER_SCALARS: Record<FusedOptimizerKind, readonly string[]> = {
  sgd: ['lr'],
  momentum: ['lr', 'momentum'],
  adam: ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'epsilonOverRootC2', 'stepSize'],
};

export function optimizerScalarNames(kind: FusedOptimizerKind): readonly string[] {
  return OPTIMIZER_SCALARS[kind];
}

/** [the new parameters; each slot's new values], by the update kernels' op sequences. */
function updates(ops: GraphOps, kind: FusedOptimizerKind, params: string[], grads: string[], slots: string[][], scalars: Record<string, string>): { params: string[]; slots: string[][] } {
  if (kind === 'sgd') return { params: params.map((p, i) => sgdOps(ops, p, grads[i], scalars.lr)), slots: [] };
  if (kind === 'momentum') {
    const pairs = params.map((p, i) => momentumOps(ops, p, grads[i], slots[0][i], scalars.lr, scalars.momentum));
    return { params: pairs.map(([p]) => p), slots: [pairs.map(([, v]) => v)] };
  }
  const triples = params.map((p, i) => adamOps(ops, p, grads[i], slots[0][i], slots[1][i], scalars as AdamScalars<string>));
  return { params: triples.map(([p]) => p), slots: [triples.map(([, m]) => m), triples.map(([, , v]) => v)] };
}

/**
 * One optimizer step on trainX[rows]. Fed: trainX, trainLabels, rows, inverseRows (1/N), the
 * parameters, each slot's values (slotCount lists like the parameters), the optimizer's scalars.
 * Returns: the new parameters, the new slots, then [mean loss, hit count] before the update.
 */
export function trainStepGraph(binding: TensorflowBinding, sizes: readonly number[], kind: FusedOptimizerKind, slotCount: number, xla: boolean): MlpGraph {
  const ops = new GraphOps(binding, xla);
  const layers = sizes.length - 1;
  const data = [ops.placeholder('trainX'), ops.placeholder('trainLabels', 'int32'), ops.placeholder('rows', 'int32'), ops.placeholder('inverseRows')];
  const [trainX, trainLabels, rows, inverseRows] = data;
  const params = paramPlaceholders(ops, layers, '');
  const slots = Array.from({ length: slotCount }, (_, s) => paramPlaceholders(ops, layers, `slot${s}_`));
  const scalarNames = OPTIMIZER_SCALARS[kind];
  const scalars = Object.fromEntries(scalarNames.map((name) => [name, ops.placeholder(name)]));

  const x = gatherRows(ops, trainX, rows, 'float32');
  const labels = gatherRows(ops, trainLabels, rows, 'int32');
  const y = oneHot(ops, labels, sizes[layers]);
  const { inputs: H, logits } = forward(ops, params, x);
  const loss = ops.reduce('Mean', rowCrossEntropiesOps(ops, y, logits), [0], false);
  const grads: string[] = new Array<string>(2 * layers);
  let G = crossEntropyGradOps(ops, y, logits, inverseRows, 1); // G_L = (P − Y)/N
  for (let l = layers - 1; l >= 0; l--) {
    [grads[2 * l], grads[2 * l + 1]] = denseParamGradsOps(ops, H[l], G);
    if (l > 0) G = hiddenDeltaOps(ops, G, params[2 * l], H[l]);
  }
  const next = updates(ops, kind, params, grads, slots, scalars);
  const outputs = [...next.params, ...next.slots.flat(), pair(ops, loss, hitCount(ops, logits, labels))];
  return { savedModelText: ops.savedModelText(), inputs: [...data, ...params, ...slots.flat(), ...scalarNames], outputs };
}

/** Σ_n CE(Y_n, Z_n) and the hit count of rows x with labels. Fed: x, labels, the parameters. Returns [loss sum, hits]. */
export function evaluationGraph(binding: TensorflowBinding, sizes: readonly number[]): MlpGraph {
  const ops = new GraphOps(binding, false);
  const layers = sizes.length - 1;
  const x = ops.placeholder('x');
  const labels = ops.placeholder('labels', 'int32');
  const params = paramPlaceholders(ops, layers, '');
  const { logits } = forward(ops, params, x);
  const lossSum = ops.reduce('Sum', rowCrossEntropiesOps(ops, oneHot(ops, labels, sizes[layers]), logits), [0], false);
  const outputs = [pair(ops, lossSum, hitCount(ops, logits, labels))];
  return { savedModelText: ops.savedModelText(), inputs: [x, labels, ...params], outputs };
}

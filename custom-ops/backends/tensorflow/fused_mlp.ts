/**
 * The tensorflow backend's fused MLP trainer: each training step, and each chunk of an evaluation,
 * is one TF session run of a graph made from the tensorflow kernels' own ops (mlp_graph.ts), instead
 * of some 70 eager ops, each a round trip through tfjs's engine and tfjs-node's binding. The
 * parameters and slots stay TF tensors between steps; they meet the spec's arrays only when the
 * trainer takes them (takeArrays) and gives them back (writeArrays), once per epoch.
 *
 * The step's graph is compiled by XLA (TF's JIT, as JAX's jit uses it), which fuses the elementwise
 * ops and so sums and rounds in its own order. HANDGRAD_TENSORFLOW_XLA=0 runs the plain graph, whose
 * numbers are the per-kernel path's bit for bit when oneDNN's graph rewrites are off too
 * (TF_ENABLE_ONEDNN_OPTS=0).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FusedMlpSpec, FusedOptimizer, FusedOptimizerKind } from '../../util/fused_mlp_spec.js';
import { adamScalars } from './ManualAdamUpdate.js';
import { evaluationGraph, optimizerScalarNames, trainStepGraph, type MlpGraph } from './mlp_graph.js';
import type { TensorflowBackend, TensorflowBinding } from './node_backend.js';

/** The slice of tfjs-node's binding that runs a SavedModel's graph (tfjs-node 4.22's tfjs_binding.d.ts). */
type SessionBinding = TensorflowBinding & {
  loadSavedModel(exportDir: string, tags: string): number;
  deleteSavedModel(savedModelId: number): void;
  runSavedModel(savedModelId: number, inputTensorIds: number[], inputOpNames: string, outputOpNames: string): { id: number }[];
  tensorDataSync(tensorId: number): Float32Array | Int32Array | Uint8Array;
};

/** A loaded graph: its session and the comma-joined names runSavedModel takes. */
type Session = { id: number; inputs: string; outputs: string };

function loadGraph(binding: SessionBinding, graph: MlpGraph): Session {
  const dir = mkdtempSync(join(tmpdir(), 'handgrad-graph-'));
  try {
    writeFileSync(join(dir, 'saved_model.pbtxt'), graph.savedModelText);
    return { id: binding.loadSavedModel(dir, 'serve'), inputs: graph.inputs.join(','), outputs: graph.outputs.join(',') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function optimizerScalarValues(optimizer: FusedOptimizer, t: number): Record<string, number> {
  const { kind, lr, momentum, beta1, beta2, epsilon } = optimizer;
  if (kind === 'adam') return adamScalars(lr, beta1, beta2, epsilon, t);
  return kind === 'momentum' ? { lr, momentum } : { lr };
}

/** What a dropped trainer leaves in TF: its sessions and tensors, freed by the FinalizationRegistry. */
type Resources = { binding: SessionBinding; sessions: number[]; tensors: number[] };

function free({ binding, sessions, tensors }: Resources): void {
  for (const id of tensors.splice(0)) binding.deleteTensor(id);
  for (const id of sessions.splice(0)) binding.deleteSavedModel(id);
}

const unreachable = new FinalizationRegistry<Resources>(free);

const KIND_BY_SLOT_COUNT: readonly FusedOptimizerKind[] = ['sgd', 'momentum', 'adam'];

export class TensorflowMlpTrainer {
  private readonly binding: SessionBinding;
  /** The step graph compiled by XLA, for batches of `compiledRows` rows; the plain graph for any other count. */
  private readonly compiledStep: Session | null;
  private readonly plainStep: Session;
  private compiledRows = 0;
  private readonly evaluation: Session;
  private readonly kind: FusedOptimizerKind;
  /** trainX and trainLabels, then the parameters and every slot's values (resources.tensors). */
  private readonly resources: Resources;
  private arraysTaken = false;

  constructor(
    backend: TensorflowBackend,
    private readonly spec: FusedMlpSpec,
  ) {
    this.binding = backend.binding as SessionBinding;
    this.kind = KIND_BY_SLOT_COUNT[spec.slots.length];
    const b = this.binding;
    this.resources = { binding: b, sessions: [], tensors: [] };
    unreachable.register(this, this.resources);
    const load = (graph: MlpGraph): Session => {
      const session = loadGraph(b, graph);
      this.resources.sessions.push(session.id);
      return session;
    };
    this.compiledStep = process.env.HANDGRAD_TENSORFLOW_XLA === '0' ? null : load(trainStepGraph(b, spec.sizes, this.kind, spec.slots.length, true));
    this.plainStep = load(trainStepGraph(b, spec.sizes, this.kind, spec.slots.length, false));
    this.evaluation = load(evaluationGraph(b, spec.sizes));
    const { sizes, trainX, trainLabels } = spec;
    const n = trainLabels.length;
    this.resources.tensors.push(b.createTensor([n, sizes[0]], b.TF_FLOAT, trainX), b.createTensor([n], b.TF_INT32, trainLabels));
  }

  /** The shape of parameter i (W_l: sizes[l]×sizes[l+1], b_l: sizes[l+1]). */
  private shape(i: number): number[] {
    const l = Math.floor(i / 2);
    return i % 2 === 0 ? [this.spec.sizes[l], this.spec.sizes[l + 1]] : [this.spec.sizes[l + 1]];
  }

  private stateArrays(): Float32Array[] {
    return [...this.spec.params, ...this.spec.slots.flat()];
  }

  /** The parameters and slots become the arrays' values (as the caller just wrote them). */
  takeArrays(): void {
    const { binding: b, tensors } = this.resources;
    for (const id of tensors.splice(2)) b.deleteTensor(id);
    const count = this.spec.params.length;
    this.stateArrays().forEach((array, i) => tensors.push(b.createTensor(this.shape(i % count), b.TF_FLOAT, array)));
    this.arraysTaken = true;
  }

  /** Writes the current parameters and slots into the arrays. */
  writeArrays(): void {
    const state = this.resources.tensors.slice(2);
    this.stateArrays().forEach((array, i) => array.set(this.binding.tensorDataSync(state[i])));
  }

  private scalar(value: number): number {
    return this.binding.createTensor([], this.binding.TF_FLOAT, Float32Array.of(value));
  }

  step(indices: Int32Array | null, begin: number, end: number, optimizer: FusedOptimizer, t: number): { loss: number; hits: number } {
    if (!this.arraysTaken) this.takeArrays();
    if (optimizer.kind !== this.kind) throw new Error(`tensorflow fused trainer: built for ${this.kind}, asked for a ${optimizer.kind} step`);
    const b = this.binding;
    const rowIndices = indices === null ? Int32Array.from({ length: end - begin }, (_, i) => begin + i) : indices.subarray(begin, end);
    const values = optimizerScalarValues(optimizer, t);
    const rows = b.createTensor([rowIndices.length], b.TF_INT32, rowIndices);
    const fedScalars = [this.scalar(1 / rowIndices.length), ...optimizerScalarNames(this.kind).map((name) => this.scalar(values[name]))];
    const [trainX, trainLabels, ...state] = this.resources.tensors;
    const inverseRows = fedScalars[0];
    const ids = [trainX, trainLabels, rows, inverseRows, ...state, ...fedScalars.slice(1)];
    // XLA compiles per shape (about a second each): one batch size is compiled, the odd last batch is not.
    if (this.compiledRows === 0) this.compiledRows = rowIndices.length;
    const session = rowIndices.length === this.compiledRows && this.compiledStep !== null ? this.compiledStep : this.plainStep;
    let outputs: number[];
    try {
      outputs = b.runSavedModel(session.id, ids, session.inputs, session.outputs).map((o) => o.id);
    } finally {
      for (const id of [rows, ...fedScalars]) b.deleteTensor(id);
    }
    const statsId = outputs[outputs.length - 1];
    const stats = b.tensorDataSync(statsId);
    b.deleteTensor(statsId);
    for (const id of state) b.deleteTensor(id);
    this.resources.tensors.splice(2, state.length, ...outputs.slice(0, -1));
    return { loss: stats[0], hits: stats[1] };
  }

  evaluate(x: Float32Array, labels: Int32Array, chunk: number): { lossSum: number; hits: number } {
    if (!this.arraysTaken) this.takeArrays();
    const b = this.binding;
    const features = this.spec.sizes[0];
    const params = this.resources.tensors.slice(2, 2 + this.spec.params.length);
    let lossSum = 0;
    let hits = 0;
    for (let start = 0; start < labels.length; start += chunk) {
      const end = Math.min(labels.length, start + chunk);
      const fed = [b.createTensor([end - start, features], b.TF_FLOAT, x.subarray(start * features, end * features)), b.createTensor([end - start], b.TF_INT32, labels.subarray(start, end))];
      try {
        const [statsId] = b.runSavedModel(this.evaluation.id, [...fed, ...params], this.evaluation.inputs, this.evaluation.outputs).map((o) => o.id);
        const stats = b.tensorDataSync(statsId);
        b.deleteTensor(statsId);
        lossSum += stats[0];
        hits += stats[1];
      } finally {
        for (const id of fed) b.deleteTensor(id);
      }
    }
    return { lossSum, hits };
  }
}

/**
 * Gives tfjs-node's backend the method by which the trainer finds a fused path (`fusedMlpTrainer`,
 * as the native backend has): tfjs-node's NodeJSKernelBackend has none of its own.
 */
export function offerFusedMlpTrainer(backend: TensorflowBackend): void {
  Object.defineProperty(backend, 'fusedMlpTrainer', { value: (spec: FusedMlpSpec) => new TensorflowMlpTrainer(backend, spec), configurable: true });
}

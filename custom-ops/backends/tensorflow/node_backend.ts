/**
 * The slice of tfjs-node's NodeJSKernelBackend that our kernels use, typed structurally so the
 * plugin compiles and loads without @tensorflow/tfjs-node (an optional dependency). Ops run eagerly
 * in libtensorflow through the binding's executeOp(opName, opAttrs, inputHandles, numOutputs), which
 * is what the backend's executeSingleOutput wraps. A kernel here works on TF tensor handles: its
 * intermediates never become tfjs tensors (no engine bookkeeping, nothing for tf.memory() to count),
 * only its outputs are handed to tfjs, through the backend's createOutputTensor. getInputTensorIds
 * and createOutputTensor are TypeScript-private in tfjs-node 4.22 but are how its own kernels move
 * tensors in and out of TF.
 */
import type { backend_util, DataId, KernelFunc, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';

/** One TFE op attribute, as tfjs-node's binding takes it. */
export type TFEOpAttr = { name: string; type: number; value: boolean | number | string | number[] };

/** What executeOp returns for each output: a TF tensor handle, its shape and its TF dtype enum. */
export type TensorMetadata = { id: number; shape: number[]; dtype: number };

export type TensorflowBinding = {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_INT: number;
  TF_ATTR_STRING: number;
  TF_FLOAT: number;
  TF_INT32: number;
  executeOp(opName: string, opAttrs: TFEOpAttr[], inputTensorIds: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number;
  deleteTensor(tensorId: number): void;
};

export type TensorflowBackend = {
  binding: TensorflowBinding;
  getInputTensorIds(tensors: TensorInfo[]): number[];
  createOutputTensor(metadata: TensorMetadata): Tensor;
  readSync(dataId: DataId): backend_util.BackendValues;
};

/** A TF tensor handle inside one kernel call. */
export type Handle = TensorMetadata;

/**
 * Constants a kernel uses on every call (axis lists, hyperparameters), kept as TF handles for the
 * binding's lifetime so that a training step creates none. Few distinct values recur (α, 1 − β1, the
 * axes); values that change every step (Adam's bias corrections) evict the oldest past the cap.
 */
const CONSTANT_CAP = 32;
const constantsByBinding = new WeakMap<TensorflowBinding, Map<string, Handle>>();

function cachedConstant(binding: TensorflowBinding, dtype: 'float32' | 'int32', shape: number[], values: number[]): Handle {
  let cache = constantsByBinding.get(binding);
  if (cache === undefined) {
    cache = new Map();
    constantsByBinding.set(binding, cache);
  }
  // Object.is keeps 0 and −0 apart in the key.
  const key = `${dtype}[${shape.join(',')}]${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const tfDtype = dtype === 'float32' ? binding.TF_FLOAT : binding.TF_INT32;
  const id = binding.createTensor(shape, tfDtype, dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values));
  const handle = { id, shape, dtype: tfDtype };
  cache.set(key, handle);
  if (cache.size > CONSTANT_CAP) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, Handle];
    cache.delete(oldestKey);
    binding.deleteTensor(oldest.id);
  }
  return handle;
}

/**
 * The TF ops a kernel composes, over handles of type H: run eagerly one by one (EagerOps, H = a TF
 * tensor handle) or recorded as the nodes of one graph (GraphOps in mlp_graph.ts, H = the name of a
 * node's output), so that the fused trainer's graph is made of the kernels' own op sequences.
 */
export abstract class TfOps<H> {
  protected readonly floatT: TFEOpAttr;

  constructor(protected readonly binding: TensorflowBinding) {
    this.floatT = this.typeAttr('T', 'float32');
  }

  /** A float32 scalar (a constant here; values that change every step are graph inputs in GraphOps). */
  abstract scalar(value: number): H;

  /** A rank-1 int32 constant such as an axis list or a shape. */
  abstract ints(values: number[]): H;

  /** One TF op with the given attrs. */
  abstract run(opName: string, attrs: TFEOpAttr[], inputs: H[], numOutputs?: number): H[];

  typeAttr(name: string, dtype: 'float32' | 'int32'): TFEOpAttr {
    return { name, type: this.binding.TF_ATTR_TYPE, value: dtype === 'float32' ? this.binding.TF_FLOAT : this.binding.TF_INT32 };
  }

  boolAttr(name: string, value: boolean): TFEOpAttr {
    return { name, type: this.binding.TF_ATTR_BOOL, value };
  }

  stringAttr(name: string, value: string): TFEOpAttr {
    return { name, type: this.binding.TF_ATTR_STRING, value };
  }

  /** A float32 op whose only attr is T (Relu, Abs, Sign, Softmax, Mul, AddV2, Sub, RealDiv, MulNoNan, Sqrt, Square). */
  float(opName: string, ...inputs: H[]): H {
    return this.run(opName, [this.floatT], inputs)[0];
  }

  /**
   * op(a)·op(b) of float32 matrices by TF `BatchMatMulV2` (adj_x, adj_y), the op tfjs-node's own
   * products use: TF 2.21's eager `MatMul` (transpose_a/b), which oneDNN rewrites, corrupts the heap of
   * a long training loop run under node --cpu-prof; BatchMatMulV2 does not.
   */
  matMul(a: H, b: H, transposeA: boolean, transposeB: boolean): H {
    return this.run('BatchMatMulV2', [this.boolAttr('adj_x', transposeA), this.boolAttr('adj_y', transposeB), this.floatT], [a, b])[0];
  }

  /** TF `Sum` or `Mean` of float32 `x` over `axes`. */
  reduce(opName: 'Sum' | 'Mean', x: H, axes: number[], keepDims: boolean): H {
    return this.run(opName, [this.boolAttr('keep_dims', keepDims), this.floatT, this.typeAttr('Tidx', 'int32')], [x, this.ints(axes)])[0];
  }

  /** TF `Reshape` of a float32 tensor. */
  reshape(x: H, shape: number[]): H {
    return this.run('Reshape', [this.floatT, this.typeAttr('Tshape', 'int32')], [x, this.ints(shape)])[0];
  }
}

/** The ops one kernel call runs; every handle it made is freed when the call ends, except its outputs. */
export class EagerOps extends TfOps<Handle> {
  private readonly temps: Handle[] = [];

  constructor(private readonly backend: TensorflowBackend) {
    super(backend.binding);
  }

  /** A tfjs input of the kernel (owned by tfjs, never freed here). */
  input(info: TensorInfo): Handle {
    return { id: this.backend.getInputTensorIds([info])[0], shape: info.shape, dtype: this.binding.TF_FLOAT };
  }

  /** A float32 scalar constant (cached across calls). */
  scalar(value: number): Handle {
    return cachedConstant(this.binding, 'float32', [], [value]);
  }

  ints(values: number[]): Handle {
    return cachedConstant(this.binding, 'int32', [values.length], values);
  }

  /** Runs one TF op; its outputs are temporaries of this call. */
  run(opName: string, attrs: TFEOpAttr[], inputs: Handle[], numOutputs = 1): Handle[] {
    const outputs = this.binding.executeOp(opName, attrs, inputs.map((h) => h.id), numOutputs);
    this.temps.push(...outputs);
    return outputs;
  }

  /** Hands a handle to tfjs as a kernel output (tfjs owns it from here). */
  output(handle: Handle): Tensor {
    const index = this.temps.indexOf(handle);
    if (index < 0) throw new Error('tensorflow backend: a kernel output must be a handle the kernel computed');
    this.temps.splice(index, 1);
    return this.backend.createOutputTensor(handle);
  }

  /** Frees every temporary that did not become an output. */
  dispose(): void {
    for (const handle of this.temps.splice(0)) this.binding.deleteTensor(handle.id);
  }
}

/** Runs one kernel's ops on the tensorflow backend, freeing its intermediates even when an op throws. */
export function runEager<T extends Tensor | Tensor[]>(backend: unknown, body: (ops: EagerOps) => T): T {
  const ops = new EagerOps(backend as TensorflowBackend);
  try {
    return body(ops);
  } finally {
    ops.dispose();
  }
}

/** A kernelFunc from the kernel's input check and its TF ops: `build` returns the output handle(s), which become its outputs. */
export function eagerKernelFunc<Args>(checked: (inputs: NamedTensorInfoMap, attrs?: NamedAttrMap) => Args, build: (ops: EagerOps, args: Args) => Handle | Handle[]): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const args = checked(inputs, attrs);
    return runEager(backend, (ops) => {
      const out = build(ops, args);
      return Array.isArray(out) ? out.map((h) => ops.output(h)) : ops.output(out);
    });
  };
}

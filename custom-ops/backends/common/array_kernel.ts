/**
 * The typed-array kernel factory (tfjs-backend-cpu's unaryKernelFunc / tfjs-backend-wasm's
 * createUnaryKernelConfig, for kernels of any arity): one kernel's checks, output shapes and loop,
 * run on a backend's float32 memory. cpu, wasm and native differ only in how they view a tensor's
 * values and make an output; the loops (util/row_loops.ts, util/update_loops.ts, or the addon) do
 * not know which memory they work on.
 */
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A backend's float32 storage: a tensor's values in place, and fresh outputs. */
export type ArrayMemory = {
  /** A new float32 tensor whose values the kernel will write (every one of them). */
  output(shape: number[]): TensorInfo;
  /** The tensor's values in place (no copy). */
  view(info: TensorInfo): Float32Array;
};

/** The loop of a kernel: reads its inputs through `view` and writes every element of `outs`. */
export type ArrayLoop<Args> = (view: (info: TensorInfo) => Float32Array, outs: Float32Array[], args: Args, backend: unknown) => void;

/** A kernel over float32 arrays: its checked arguments, the shapes of its outputs and its loop. */
export type ArrayKernel<Args> = {
  checked: (inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined) => Args;
  outputShapes: (args: Args) => number[][];
  loop: ArrayLoop<Args>;
};

/**
 * The kernel on `memory`: checks, makes every output, then runs the loop. Outputs are made before
 * any view is taken, as a wasm view goes stale when making an output grows the heap. One output
 * is returned as a TensorInfo, several as a list.
 */
export function arrayKernelFunc<Args>(kernel: ArrayKernel<Args>, memoryOf: (backend: unknown) => ArrayMemory): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const args = kernel.checked(inputs, attrs);
    const memory = memoryOf(backend);
    const outs = kernel.outputShapes(args).map((shape) => memory.output(shape));
    const view = (info: TensorInfo): Float32Array => memory.view(info);
    kernel.loop(view, outs.map(view), args, backend);
    return outs.length === 1 ? outs[0] : outs;
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The cpu backend's storage: JavaScript typed arrays. */
export function cpuMemory(backend: unknown): ArrayMemory {
  const cpu = backend as MathBackendCPU;
  return {
    output: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape))),
    view: (info) => cpu.data.get(info.dataId).values as Float32Array,
  };
}

/** The cpu storage with outputs from another allocator (the native backend's pool). */
export function cpuMemoryWith(backend: unknown, allocate: (length: number) => Float32Array): ArrayMemory {
  const cpu = backend as MathBackendCPU;
  return { ...cpuMemory(cpu), output: (shape) => cpu.makeTensorInfo(shape, 'float32', allocate(sizeOf(shape))) };
}

/** The wasm backend's heap. */
export function wasmMemory(backend: unknown): ArrayMemory {
  const wasm = backend as BackendWasm;
  return {
    output: (shape) => wasm.makeOutput(shape, 'float32'),
    view: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
  };
}

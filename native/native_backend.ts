/**
 * The native backend's class: MathBackendCPU (its storage, and its kernels where native ones are
 * missing) with an output-buffer pool (buffer_pool.ts). readSync hands the stored array to the
 * caller, so it marks the array escaped; disposeData returns a never-escaped array to the pool.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BufferPool } from './buffer_pool.js';
import type { FusedMlpSpec } from '../custom-ops/util/fused_mlp_spec.js';
import { NativeMlpTrainer } from './fused_mlp.js';

/** Disposed outputs kept for reuse, at most: a few steps' worth of the homework network's 40 MB activations. */
const MAX_POOLED_BYTES = 256 * 2 ** 20;

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool(MAX_POOLED_BYTES);

  constructor() {
    super();
    // MathBackendCPU greets its first write in Node with "install tfjs-node"; this backend is the native one.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** The whole MLP training step and evaluation as one addon call each (fused_mlp.ts); the trainer looks for this method. */
  fusedMlpTrainer(spec: FusedMlpSpec): NativeMlpTrainer {
    return new NativeMlpTrainer(spec);
  }

  /** An output array for a kernel, possibly recycled: the kernel must write every element. */
  outputArray(length: number): Float32Array {
    return this.pool.take(length);
  }

  private storedValues(dataId: DataId): BackendValues | undefined {
    // DataStorage.get of an id it does not hold would try to move the data from another backend.
    return this.data.has(dataId) ? this.data.get(dataId).values : undefined;
  }

  override readSync(dataId: DataId): BackendValues {
    this.pool.escape(this.storedValues(dataId));
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.storedValues(dataId);
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return released;
  }

  /**
   * After a cpu kernel ran: an output that shares an input's buffer (a view, as a contiguous Slice
   * returns) keeps that input's array alive past the input's disposal, so it must never be recycled.
   */
  escapeAliasedInputs(inputs: Record<string, TensorInfo | undefined>, outputs: TensorInfo | TensorInfo[]): void {
    const outs = Array.isArray(outputs) ? outputs : [outputs];
    for (const input of Object.values(inputs)) {
      if (input === undefined) continue;
      const values = this.storedValues(input.dataId);
      if (!this.pool.isRecyclable(values)) continue;
      for (const out of outs) {
        const outValues = out.dataId === input.dataId ? undefined : this.storedValues(out.dataId);
        if (ArrayBuffer.isView(outValues) && outValues.buffer === values.buffer) this.pool.escape(values);
      }
    }
  }
}

/** A cpu kernel for the native backend: the same function, then escapeAliasedInputs on its outputs. */
export function guardAliases(kernelFunc: KernelFunc): KernelFunc {
  return (args) => {
    const outputs = kernelFunc(args);
    (args.backend as NativeBackend).escapeAliasedInputs(args.inputs, outputs);
    return outputs;
  };
}

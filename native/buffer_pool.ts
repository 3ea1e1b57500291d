/**
 * Output buffers the native backend recycles. A kernel takes its output arrays here; when the tensor
 * that owned one is disposed, the array returns to a free list (by length) and the next kernel of the
 * same size gets it back, still in cache and with its pages mapped, instead of a zero-filled new one
 * that the garbage collector must later sweep.
 *
 * tfjs's contract decides what may be recycled: MathBackendCPU's readSync (dataSync, data, arraySync,
 * bufferSync) returns the very array it stores, and a few cpu kernels return views on their input's
 * array (a contiguous Slice is a subarray). So an array is recyclable only while it has never been
 * handed out: read() marks it escaped, as does an output of a cpu kernel that shares its buffer.
 */

/** Arrays shorter than this are not pooled: V8 allocates small typed arrays cheaply. */
const MIN_POOLED_LENGTH = 256;

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly recyclable = new WeakSet<Float32Array>();
  private freeBytes = 0;

  /** @param maxFreeBytes at most this many bytes wait on the free lists; past it, disposed arrays go to the GC. */
  constructor(private readonly maxFreeBytes: number) {}

  /** An array of `length` floats with arbitrary contents (the caller writes every element), recyclable. */
  take(length: number): Float32Array {
    if (length < MIN_POOLED_LENGTH) return new Float32Array(length);
    const reused = this.free.get(length)?.pop();
    if (reused !== undefined) this.freeBytes -= reused.byteLength;
    const array = reused ?? new Float32Array(length);
    this.recyclable.add(array);
    return array;
  }

  /** The array has been handed out (or is aliased): it is never recycled. */
  escape(values: unknown): void {
    if (values instanceof Float32Array) this.recyclable.delete(values);
  }

  isRecyclable(values: unknown): values is Float32Array {
    return values instanceof Float32Array && this.recyclable.has(values);
  }

  /** The tensor that owned `values` is gone: a recyclable array goes back on its free list. */
  release(values: unknown): void {
    if (!this.isRecyclable(values)) return;
    this.recyclable.delete(values);
    if (this.freeBytes + values.byteLength > this.maxFreeBytes) return;
    const list = this.free.get(values.length);
    if (list === undefined) this.free.set(values.length, [values]);
    else list.push(values);
    this.freeBytes += values.byteLength;
  }

  /** Bytes waiting on the free lists. */
  get pooledBytes(): number {
    return this.freeBytes;
  }

  /** Empties the free lists (their arrays go to the GC). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }
}

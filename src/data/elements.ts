/** Typed arrays from the raw element bytes of an NPY or IDX payload, in either byte order. */
import { DataError } from './errors.js';

export type ElementDtype = 'uint8' | 'int8' | 'bool' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64';
/** int64 comes back as Float64Array (exact for |v| < 2^53; larger values are rejected). */
export type Elements = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** `count` elements of `dtype` from byte `offset` of `view`; `le` = little-endian; `name` labels errors. */
export function readElements(view: DataView, offset: number, count: number, dtype: ElementDtype, le: boolean, name: string): Elements {
  const start = view.byteOffset + offset;
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return new Uint8Array(view.buffer.slice(start, start + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(start, start + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, le);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, le);
      return out;
    }
    case 'int64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(offset + 8 * i, le);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new DataError(`${name}: int64 value ${v} at index ${i} is too large to represent`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, le);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, le);
      return out;
    }
  }
}

/**
 * IDX reader (the MNIST file format, http://yann.lecun.com/exdb/mnist/ "FILE FORMATS"):
 *   bytes 0–1: zero; byte 2: element type code; byte 3: number of dimensions d;
 *   then d big-endian uint32 sizes; then the elements, big-endian, row-major.
 * Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 */
import { readElements } from './elements.js';
import { DataError } from './errors.js';

export type IdxArray = {
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
};

const IDX_TYPES: Record<number, { dtype: IdxArray['dtype']; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** Parses an IDX buffer; `name` labels errors. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new DataError(`${name}: not an IDX file (${bytes.length} bytes, shorter than the 4-byte magic)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${name}: not an IDX file (magic does not start with two zero bytes)`);
  const type = IDX_TYPES[bytes[2]];
  if (type === undefined) throw new DataError(`${name}: unknown IDX element type 0x${bytes[2].toString(16).padStart(2, '0')}`);
  const ndim = bytes[3];
  if (ndim === 0) throw new DataError(`${name}: IDX file with 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) throw new DataError(`${name}: truncated IDX header (${bytes.length} bytes, need ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length < expected) {
    throw new DataError(`${name}: truncated IDX data (${bytes.length} bytes, shape [${shape.join(', ')}] needs ${expected})`);
  }
  if (bytes.length > expected) {
    throw new DataError(`${name}: ${bytes.length - expected} trailing bytes after IDX data of shape [${shape.join(', ')}]`);
  }
  return { dtype: type.dtype, shape, data: readElements(view, headerBytes, count, type.dtype, false, name) };
}

/** Encodes an IDX buffer (used by tests to write fixtures). */
export function encodeIdx(dtype: 'uint8' | 'int32' | 'float32', shape: number[], values: ArrayLike<number>): Uint8Array {
  const code = { uint8: 0x08, int32: 0x0c, float32: 0x0d }[dtype];
  const size = { uint8: 1, int32: 4, float32: 4 }[dtype];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'uint8') view.setUint8(header + i, values[i]);
    else if (dtype === 'int32') view.setInt32(header + 4 * i, values[i], false);
    else view.setFloat32(header + 4 * i, values[i], false);
  }
  return out;
}

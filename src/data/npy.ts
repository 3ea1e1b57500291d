/**
 * NPY reader, written against numpy's format spec (numpy/lib/format.py, "NPY format"):
 *   6 bytes magic "\x93NUMPY", 1 byte major, 1 byte minor version;
 *   v1.0: header length as little-endian uint16; v2.0 and v3.0: little-endian uint32;
 *   the header is a Python dict literal (ASCII; UTF-8 in v3) with keys 'descr', 'fortran_order',
 *   'shape', padded with spaces and ending in '\n'; then the raw C-order (or Fortran-order) data.
 */
import { readElements, type ElementDtype, type Elements } from './elements.js';
import { DataError } from './errors.js';

export type NpyDtype = ElementDtype;
export type NpyArray = {
  dtype: NpyDtype;
  shape: number[];
  /** int64 is returned as Float64Array (exact for |v| < 2^53; larger values are rejected). */
  data: Elements;
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  u1: { dtype: 'uint8', bytes: 1 },
  i1: { dtype: 'int8', bytes: 1 },
  b1: { dtype: 'bool', bytes: 1 },
  i2: { dtype: 'int16', bytes: 2 },
  i4: { dtype: 'int32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
};

type Header = { descr: string; fortranOrder: boolean; shape: number[] };

function parseHeader(text: string, name: string): Header {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${name}: malformed NPY header ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw new DataError(`${name}: malformed NPY shape (${shapeText})`);
      return Number.parseInt(s, 10);
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/** Parses one .npy buffer; `name` labels errors. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(`${name}: not an NPY file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(`${name}: truncated NPY header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DataError(`${name}: unsupported NPY format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) throw new DataError(`${name}: truncated NPY header (${bytes.length} bytes, header ends at ${dataStart})`);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText, name);
  if (header.fortranOrder && header.shape.length > 1) {
    throw new DataError(`${name}: fortran_order arrays are not supported (save with np.ascontiguousarray)`);
  }
  const order = header.descr[0];
  const kind = DESCR[header.descr.slice(1)];
  if (kind === undefined || !['<', '>', '|', '='].includes(order ?? '')) {
    throw new DataError(`${name}: unsupported NPY dtype '${header.descr}' (expected u1, i1, b1, i2, i4, i8, f4 or f8)`);
  }
  const littleEndian = order !== '>';
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * kind.bytes;
  if (bytes.length < expected) {
    throw new DataError(`${name}: truncated NPY data (${bytes.length} bytes, shape (${header.shape.join(', ')}) of '${header.descr}' needs ${expected})`);
  }
  return { dtype: kind.dtype, shape: header.shape, data: readElements(view, dataStart, count, kind.dtype, littleEndian, name) };
}

/** Encodes a v1.0 .npy buffer (used by tests to write fixtures and by nothing else). */
export function encodeNpy(descr: '|u1' | '<f4' | '<f8' | '<i4' | '<i8', shape: number[], values: ArrayLike<number>, version: 1 | 2 = 1): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  dict = dict + ' '.repeat(pad % 64) + '\n';
  const size = { '|u1': 1, '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8 }[descr];
  const out = new Uint8Array(prefix + dict.length + values.length * size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), prefix);
  const o = prefix + dict.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (descr === '|u1') view.setUint8(o + i, v);
    else if (descr === '<f4') view.setFloat32(o + 4 * i, v, true);
    else if (descr === '<f8') view.setFloat64(o + 8 * i, v, true);
    else if (descr === '<i4') view.setInt32(o + 4 * i, v, true);
    else view.setBigInt64(o + 8 * i, BigInt(v), true);
  }
  return out;
}

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { encodeNpy, parseNpy } from '../../src/data/npy.js';
import { encodeNpz, parseNpz } from '../../src/data/npz.js';
import { numpyPermutation } from '../../src/data/numpy_shuffle.js';
import { numpyAvailability } from '../helpers/requirements.js';

const NUMPY = numpyAvailability();

describe('IDX reader', () => {
  it('reads uint8 images written big-endian with their dims', () => {
    const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);
    const idx = parseIdx(encodeIdx('uint8', [2, 3, 4], values), 'imgs');
    expect(idx.dtype).toBe('uint8');
    expect(idx.shape).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(values);
  });

  it('decodes big-endian int32 and float32 (not little-endian)', () => {
    const bytes = encodeIdx('int32', [3], [1, -2, 70000]);
    expect(Array.from(bytes.subarray(8, 12))).toEqual([0, 0, 0, 1]);
    expect(Array.from(parseIdx(bytes, 'ints').data)).toEqual([1, -2, 70000]);
    expect(Array.from(parseIdx(encodeIdx('float32', [2], [1.5, -0.25]), 'f').data)).toEqual([1.5, -0.25]);
  });

  it('rejects a bad magic, an unknown type, a truncated file and trailing bytes, naming the input', () => {
    const good = encodeIdx('uint8', [2, 2], [1, 2, 3, 4]);
    const badMagic = good.slice();
    badMagic[0] = 1;
    expect(() => parseIdx(badMagic, 'a.idx')).toThrow(/a\.idx: not an IDX file/);
    const badType = good.slice();
    badType[2] = 0x42;
    expect(() => parseIdx(badType, 'b.idx')).toThrow(/b\.idx: unknown IDX element type 0x42/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'c.idx')).toThrow(/c\.idx: truncated IDX data/);
    expect(() => parseIdx(good.subarray(0, 6), 'd.idx')).toThrow(/d\.idx: truncated IDX header/);
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(() => parseIdx(longer, 'e.idx')).toThrow(/e\.idx: 3 trailing bytes/);
    expect(() => parseIdx(good.subarray(0, 2), 'f.idx')).toThrow(DataError);
  });
});

describe('NPY reader', () => {
  it.each([
    ['|u1', [0, 1, 255, 7, 8, 9]],
    ['<f4', [0.5, -1.25, 3, 1e-3, 2, 7]],
    ['<f8', [Math.PI, -1e-300, 3, 4, 5, 6]],
    ['<i4', [-5, 0, 2147483647, -2147483648, 1, 2]],
    ['<i8', [-5, 0, 2 ** 40, -(2 ** 40), 9, 1]],
  ] as const)('round-trips dtype %s with shape (2, 3)', (descr, values) => {
    const arr = parseNpy(encodeNpy(descr, [2, 3], values), 'x.npy');
    expect(arr.shape).toEqual([2, 3]);
    const expected = descr === '<f4' ? Array.from(new Float32Array(values)) : values;
    expect(Array.from(arr.data)).toEqual(expected);
  });

  it('reads a version 2.0 header (uint32 length) and a 1-d shape "(5,)"', () => {
    const arr = parseNpy(encodeNpy('<i4', [5], [1, 2, 3, 4, 5], 2), 'v2.npy');
    expect(arr.shape).toEqual([5]);
    expect(arr.dtype).toBe('int32');
  });

  it('reads a version 3.0 header and a header written by hand with a big-endian dtype', () => {
    const header = "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(64 - ((12 + header.length + 1) % 64)) + '\n';
    const bytes = new Uint8Array(12 + padded.length + 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0]);
    new DataView(bytes.buffer).setUint32(8, padded.length, true);
    bytes.set(new TextEncoder().encode(padded), 12);
    bytes.set([0x01, 0x02, 0xff, 0xfe], 12 + padded.length);
    const arr = parseNpy(bytes, 'be.npy');
    expect(Array.from(arr.data)).toEqual([0x0102, -2]);
  });

  it('rejects bad magic, fortran order, unsupported dtype, truncated data, naming the input', () => {
    const good = encodeNpy('<f4', [2, 2], [1, 2, 3, 4]);
    const bad = good.slice();
    bad[1] = 0;
    expect(() => parseNpy(bad, 'm.npy')).toThrow(/m\.npy: not an NPY file/);
    const text = new TextDecoder('latin1').decode(good);
    const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
    expect(() => parseNpy(enc(text.replace("'fortran_order': False", "'fortran_order': True ")), 'f.npy')).toThrow(/f\.npy: fortran_order/);
    expect(() => parseNpy(enc(text.replace("'<f4'", "'<c8'")), 'c.npy')).toThrow(/c\.npy: unsupported NPY dtype '<c8'/);
    expect(() => parseNpy(good.subarray(0, good.length - 2), 't.npy')).toThrow(/t\.npy: truncated NPY data/);
    expect(() => parseNpy(good.subarray(0, 40), 'h.npy')).toThrow(/h\.npy: truncated NPY header/);
  });
});

describe('NPZ reader', () => {
  it('reads deflated and stored archives of .npy members by key', () => {
    for (const compress of [true, false]) {
      const npz = encodeNpz({ images: encodeNpy('|u1', [2, 2, 2], [0, 255, 1, 2, 3, 4, 5, 6]), labels: encodeNpy('<i8', [2], [3, 9]) }, compress);
      const arrays = parseNpz(npz, 'd.npz');
      expect(Object.keys(arrays).sort()).toEqual(['images', 'labels']);
      expect(arrays.images.shape).toEqual([2, 2, 2]);
      expect(Array.from(arrays.labels.data)).toEqual([3, 9]);
    }
  });

  it('rejects a truncated or corrupt archive with a one-line error naming the file', () => {
    const npz = encodeNpz({ images: encodeNpy('|u1', [4, 4], new Array(16).fill(3)) });
    expect(() => parseNpz(npz.subarray(0, npz.length - 10), 'cut.npz')).toThrow(/^cut\.npz: not a readable npz\/zip archive/);
    const garbage = npz.slice();
    garbage.fill(0x41, 0, 30);
    expect(() => parseNpz(garbage, 'bad.npz')).toThrow(/bad\.npz/);
    expect(() => parseNpz(new TextEncoder().encode('hello'), 'text.npz')).toThrow(/text\.npz: not a readable npz/);
  });
});

describe('numpy-compatible shuffle for the homework split', () => {
  it('matches np.random.seed(521); np.random.shuffle(np.arange(20)) (values printed by numpy 1.x/2.x)', () => {
    expect(Array.from(numpyPermutation(20, 521))).toEqual([7, 6, 11, 3, 13, 5, 14, 1, 19, 4, 2, 16, 8, 9, 12, 0, 17, 10, 15, 18]);
  });

  it.skipIf(!NUMPY.available)(`matches numpy itself for the notMNIST size 18720${NUMPY.skipNote}`, () => {
    const out = execFileSync('python3', ['-c', 'import numpy as np; np.random.seed(521); a=np.arange(18720); np.random.shuffle(a); print(",".join(map(str, a)))'], {
      encoding: 'utf8',
    });
    expect(Array.from(numpyPermutation(18720, 521)).join(',')).toBe(out.trim());
  });
});

describe('files written by numpy itself', () => {
  it.skipIf(!NUMPY.available)(`reads np.savez_compressed output: uint8 images, int64 labels, float32, float64${NUMPY.skipNote}`, () => {
    const script = [
      'import numpy as np, io, sys',
      'b = io.BytesIO()',
      'np.savez_compressed(b, images=np.arange(24, dtype=np.uint8).reshape(2, 3, 4), labels=np.array([7, -3], dtype=np.int64),',
      '                    f=np.array([[0.5, -2.25]], dtype=np.float32), d=np.array([np.pi], dtype=np.float64), i=np.array([5, 6], dtype=np.int32))',
      'sys.stdout.buffer.write(b.getvalue())',
    ].join('\n');
    const bytes = new Uint8Array(execFileSync('python3', ['-c', script]));
    const arrays = parseNpz(bytes, 'numpy.npz');
    expect(arrays.images.shape).toEqual([2, 3, 4]);
    expect(Array.from(arrays.images.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Array.from(arrays.labels.data)).toEqual([7, -3]);
    expect(Array.from(arrays.f.data)).toEqual([0.5, -2.25]);
    expect(arrays.d.data[0]).toBe(Math.PI);
    expect(Array.from(arrays.i.data)).toEqual([5, 6]);
  });
});

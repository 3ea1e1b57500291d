/**
 * NPZ reader: a zip archive (stored or deflated) of .npy members, named `<key>.npy`. Each member's
 * CRC-32 (PKWARE APPNOTE.TXT 4.3.12, the central directory) is checked against its bytes, as
 * numpy's own reader (Python's zipfile) does, so a corrupted archive is an error, not other data.
 */
import { unzipSync, zipSync } from 'fflate';
import { DataError } from './errors.js';
import { parseNpy, type NpyArray } from './npy.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the zip/gzip polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Member name → CRC-32 from the central directory (end-of-central-directory record, or its zip64
 * form); null when the directory cannot be walked (unzipSync has already accepted the archive).
 */
function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const zip64 = Number(view.getBigUint64(eocd - 12, true));
    if (zip64 + 56 > bytes.length || view.getUint32(zip64, true) !== 0x06064b50) return null;
    count = Number(view.getBigUint64(zip64 + 32, true));
    offset = Number(view.getBigUint64(zip64 + 48, true));
  }
  const crcs = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== 0x02014b50) return null;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    if (offset + 46 + nameLength > bytes.length) return null;
    crcs.set(decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength)), view.getUint32(offset + 16, true));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return crcs;
}

/** Parses an .npz buffer into its arrays, keyed by member name without `.npy`. */
export function parseNpz(bytes: Uint8Array, name: string): Record<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new DataError(`${name}: not a readable npz/zip archive (${reason})`);
  }
  const crcs = centralDirectoryCrcs(bytes);
  if (crcs === null) throw new DataError(`${name}: not a readable npz/zip archive (its central directory cannot be read)`);
  const arrays: Record<string, NpyArray> = {};
  for (const [member, data] of Object.entries(members)) {
    if (!member.endsWith('.npy')) continue;
    const crc = crcs.get(member);
    if (crc !== undefined && crc !== crc32(data)) throw new DataError(`${name}:${member}: CRC-32 mismatch (the archive is corrupt)`);
    const key = member.slice(0, -4);
    arrays[key] = parseNpy(data, `${name}:${member}`);
  }
  if (Object.keys(arrays).length === 0) throw new DataError(`${name}: npz archive holds no .npy arrays`);
  return arrays;
}

/** Builds an .npz buffer from encoded .npy members (tests use it to write fixtures). */
export function encodeNpz(members: Record<string, Uint8Array>, compress = true): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [key, npy] of Object.entries(members)) files[`${key}.npy`] = npy;
  return zipSync(files, { level: compress ? 6 : 0 });
}

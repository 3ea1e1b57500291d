/** NPZ reader: a zip archive (stored or deflated) of .npy members, named `<key>.npy`. */
import { unzipSync, zipSync } from 'fflate';
import { DataError } from './errors.js';
import { parseNpy, type NpyArray } from './npy.js';

/** Parses an .npz buffer into its arrays, keyed by member name without `.npy`. */
export function parseNpz(bytes: Uint8Array, name: string): Record<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new DataError(`${name}: not a readable npz/zip archive (${reason})`);
  }
  const arrays: Record<string, NpyArray> = {};
  for (const [member, data] of Object.entries(members)) {
    if (!member.endsWith('.npy')) continue;
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

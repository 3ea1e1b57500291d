/**
 * The run folder's path, checked before anything is created (Node): the deepest existing ancestor
 * must be a folder on a real file system that this process may write to. The missing folders are
 * then made one by one (not `mkdir -p`: Node 20's recursive mkdir never returns on /proc).
 */
import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataError } from '../data/errors.js';
import { fsReason, removeQuietly } from './atomic.js';

/** statfs f_type of kernel pseudo file systems, which hold no user files (linux/magic.h). */
const PSEUDO_FILE_SYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x1cd1: 'devpts',
  0xcafe4a11: 'bpf',
  0x6e736673: 'nsfs',
  0xf97cff8c: 'selinuxfs',
  0x42494e4d: 'binfmt_misc',
};

/** What creating `path` takes: its deepest existing ancestor and the folders to make below it, outermost first. */
export type FolderPlan = { path: string; existing: string; missing: string[] };

/**
 * Checks that `path` is (or can be made as) a writable folder; `label` starts every error line
 * (`--out runs/x`). Throws DataError (one line, exit 2): a part of the path is a file, the path is
 * on /proc or /sys, no permission, a read-only file system.
 */
export function planFolder(path: string, label: string): FolderPlan {
  const absolute = resolve(path);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new DataError(`${label}: cannot inspect ${current} (${fsReason(error)})`);
      const parent = dirname(current);
      if (parent === current) throw new DataError(`${label}: no part of the path exists`);
      missing.unshift(current);
      current = parent;
      continue;
    }
    if (!isDirectory) throw new DataError(`${label}: ${current} is a file, not a folder`);
    break;
  }
  let fsType: number | undefined;
  try {
    fsType = Number(statfsSync(current).type);
  } catch {
    fsType = undefined;
  }
  const pseudo = fsType === undefined ? undefined : PSEUDO_FILE_SYSTEMS[fsType];
  if (pseudo !== undefined) throw new DataError(`${label}: ${current} is on the ${pseudo} pseudo file system, which cannot hold a run folder; choose a folder on a disk`);
  try {
    accessSync(current, constants.W_OK | constants.X_OK);
  } catch (error) {
    const doing = missing.length > 0 ? `cannot create folders in ${current}` : `cannot write in ${current}`;
    throw new DataError(`${label}: ${doing} (${fsReason(error)})`);
  }
  return { path: absolute, existing: current, missing };
}

/** Makes the missing folders of `plan`; on failure removes those it made and throws DataError naming the folder. */
export function createFolders(plan: FolderPlan, label: string): string[] {
  const made: string[] = [];
  for (const folder of plan.missing) {
    try {
      mkdirSync(folder);
      made.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(folder).isDirectory()) continue;
      for (const m of made.reverse()) removeQuietly(m);
      throw new DataError(`${label}: cannot create folder ${folder} (${fsReason(error)})`);
    }
  }
  return made;
}

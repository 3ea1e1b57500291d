/**
 * File writes that leave nothing half-written (Node): a file is written under a temp name in its own
 * folder, fsynced, then renamed over the target. Any failure (a full disk included) removes the temp
 * file and is reported as a FileSystemError naming the target, never the temp name. Temp paths still
 * open when the process exits (a second Ctrl-C, say) are removed by an exit hook.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  EIO: 'input/output error',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'busy',
  EFBIG: 'file too large',
  EINVAL: 'invalid argument',
};

/** "no space left on device, ENOSPC" for an errno error, else its first line. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${REASONS[code] ?? code.toLowerCase()}, ${code}`;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** A file-system operation that failed on `path`; the message is one line naming it. */
export class FileSystemError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, error: unknown, doing = 'cannot write') {
    super(`${path}: ${doing} (${fsReason(error)})`);
    this.name = 'FileSystemError';
    this.path = path;
    this.code = (error as NodeJS.ErrnoException | undefined)?.code;
  }
}

const liveTemps = new Set<string>();
let exitHookInstalled = false;

/** Removes every temp path still registered (run on process exit, whatever the exit path). */
export function removeTrackedTemps(): void {
  for (const path of liveTemps) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // nothing more can be done while exiting
    }
  }
  liveTemps.clear();
}

/** Registers a temp file or folder to remove if the process exits before `untrackTemp`. */
export function trackTemp(path: string): void {
  liveTemps.add(path);
  if (!exitHookInstalled) {
    process.on('exit', removeTrackedTemps);
    exitHookInstalled = true;
  }
}

export function untrackTemp(path: string): void {
  liveTemps.delete(path);
}

/** The temp name of `path`: `.tmp-<name>-<pid>` in the same folder, so that rename is atomic. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.tmp-${basename(path)}-${process.pid}`);
}

/** Removes `path` (file or folder) ignoring every error: cleanup must not hide the error being reported. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** Flushes a folder's entries (a rename) to disk where the file system supports it. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to `path` and fsyncs it; on failure removes what was written and throws a
 * FileSystemError naming `reportAs` (the path the user knows, when `path` is a temp one).
 */
export function writeFileDurably(path: string, data: string | Uint8Array, reportAs = path): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    const opened = fd;
    fd = undefined;
    closeSync(opened);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    removeQuietly(path);
    throw new FileSystemError(reportAs, error);
  }
}

export function atomicWriteFile(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  trackTemp(tmp);
  try {
    writeFileDurably(tmp, data, path);
    try {
      renameSync(tmp, path);
    } catch (error) {
      removeQuietly(tmp);
      throw new FileSystemError(path, error);
    }
  } finally {
    untrackTemp(tmp);
  }
  fsyncDir(dirname(path));
}

/** Whether a process with this pid exists (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `.tmp-*-<pid>` debris in `dir` left by a process that no longer runs (a SIGKILL during a
 * write); another live process's temp files are left alone. Returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = /^\.tmp-.+-(\d+)$/.exec(entry);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (liveTemps.has(join(dir, entry)) || (pid !== process.pid && processAlive(pid))) continue;
    removeQuietly(join(dir, entry));
    removed.push(entry);
  }
  return removed;
}

// Every output goes to a temporary file first and is renamed into place:
// a failed run never leaves a half-written file or clobbers a good one.

import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileError, FileSystemError, onPath } from './fs-error.ts';

/** A file being written beside `path`; it replaces `path` only on commit. */
export interface AtomicFile {
  /** The temporary file's path (for a library that must open the file itself). */
  readonly path: string;
  /** Write bytes at the end, or at byte `position`; a failed write drops the file, as abort() does. */
  write(bytes: Uint8Array, position?: number): void;
  /** fsync, close and rename into place (`beforeRename` runs between: a crash test's window). */
  commit(beforeRename?: () => void): void;
  /** Drop what was written; `path` stays as it was. */
  abort(): void;
}

/** Opens `${path}.tmp-${pid}`; file-system errors (a missing directory, a full disk) name `path` (io/fs-error.ts). */
export function openAtomic(path: string): AtomicFile {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined = onPath(path, () => openSync(tmp, 'w'));
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  const file: AtomicFile = {
    path: tmp,
    write(bytes, position) {
      try {
        for (let off = 0; off < bytes.length;)
          off += writeSync(fd!, bytes, off, bytes.length - off, position === undefined ? null : position + off);
      } catch (e) {
        file.abort();
        throw fileError(e, path);
      }
    },
    commit(beforeRename) {
      try {
        fsyncSync(fd!);
        close();
        beforeRename?.();
        renameSync(tmp, path);
      } catch (e) {
        file.abort();
        throw fileError(e, path);
      }
    },
    abort() {
      close();
      rmSync(tmp, { force: true });
    },
  };
  return file;
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const file = openAtomic(path);
  file.write(typeof data === 'string' ? Buffer.from(data) : data);
  file.commit();
}

/** fsync a directory: the renames into it survive a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A temporary of openAtomic's, and the pid that wrote it. */
export const TEMP_SUFFIX = /\.tmp-(\d+)$/;

/**
 * Can `dir` take `bytes` more? Writes that many zeros to a temporary and
 * removes it: a full, read-only or forbidden directory shows now, before
 * an hour of work that could not be saved.
 */
export function checkWritable(dir: string, bytes: number): void {
  const file = openAtomic(join(dir, 'space-check'));
  try {
    const zeros = new Uint8Array(Math.min(bytes, 1 << 20));
    for (let done = 0; done < bytes; done += zeros.length)
      file.write(zeros.subarray(0, Math.min(zeros.length, bytes - done)));
  } finally {
    file.abort();
  }
}

/**
 * May a file be written at `path`? Its directory must exist and `path` must
 * not be a directory: checked before the work whose result it will hold.
 */
export function checkOutputPath(path: string, label: string): void {
  const parent = dirname(resolve(path));
  const fail = (what: string, code: string) => {
    throw new FileSystemError(`${label} ${path}: cannot write: ${what} (${code})`, path, code, 2);
  };
  if (!existsSync(parent)) fail('no such file or directory', 'ENOENT');
  if (!statSync(parent).isDirectory()) fail('a part of the path is not a directory', 'ENOTDIR');
  if (existsSync(path) && statSync(path).isDirectory()) fail('is a directory', 'EISDIR');
}

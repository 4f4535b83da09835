// File-system failures as one line naming the path (never a stack trace),
// with the exit code of the command-line contract: 2 when the path given
// cannot serve (missing, a directory, read-only, no permission: the user's
// input), 1 when the machine failed under a good path (disk full, I/O error).

/** A file-system call failed on `path`; `message` is the one line to print. */
export class FileSystemError extends Error {
  override name = 'FileSystemError';
  constructor(
    message: string,
    readonly path: string,
    readonly code: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

const WHAT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'crosses file systems',
  EBUSY: 'busy',
  EFBIG: 'file too large',
};
const MACHINE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'EFBIG', 'EBUSY']);

/** The Node error code of `e`, if it is a file-system error. */
export const errnoCode = (e: unknown): string | undefined => {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
};

/**
 * `e` as a FileSystemError naming `path` (what the user knows: the target,
 * not a temporary beside it), prefixed by `label` when given; a
 * FileSystemError naming another path is renamed; other errors are
 * returned as they are.
 */
export function fileError(e: unknown, path: string, label?: string, doing = 'cannot write'): Error {
  const code = errnoCode(e);
  if (!code || (e instanceof FileSystemError && e.path === path)) return e as Error;
  const line = `${label ? `${label} ` : ''}${path}: ${doing}: ${WHAT[code] ?? (e as Error).message} (${code})`;
  return new FileSystemError(line, path, code, MACHINE.has(code) ? 1 : 2);
}

/** Run `fn`, turning a file-system error into a FileSystemError naming `path`. */
export function onPath<T>(path: string, fn: () => T, label?: string, doing?: string): T {
  try {
    return fn();
  } catch (e) {
    throw fileError(e, path, label, doing);
  }
}

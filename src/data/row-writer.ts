// A matrix written a block of rows at a time, as .csv or float32 .npy by
// the file's extension. Rows go to a temporary file beside the target that
// commit() renames into place (as io/atomic.ts does for whole files): a
// failed run never leaves a half-written file or clobbers a good one.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors.ts';
import { formatCsv } from './csv.ts';
import { NPY_HEADER_ROOM, npyHeader, type Matrix } from './npy.ts';

export interface RowWriter {
  write(m: Matrix): void;
  /** Finish the file and move it into place. */
  commit(): void;
  /** Drop what was written; the target is left as it was. */
  abort(): void;
}

export function createRowWriter(path: string, flag: string, cols: number): RowWriter {
  const npy = extname(path).toLowerCase() === '.npy';
  if (!npy && extname(path).toLowerCase() !== '.csv') throw new InputError(`${flag} ${path}: expected a .csv or .npy file name`);
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try { fd = openSync(tmp, 'w'); } catch (e) {
    throw new InputError(`${flag} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const put = (bytes: Uint8Array, position?: number) => {
    for (let off = 0; off < bytes.length;) off += writeSync(fd!, bytes, off, bytes.length - off, position === undefined ? null : position + off);
  };
  const close = () => { if (fd !== undefined) closeSync(fd); fd = undefined; };
  // The row count of a .npy is known only at the end: room for any shape now, the real header at commit.
  if (npy) put(new Uint8Array(NPY_HEADER_ROOM));
  let rows = 0;
  const writer: RowWriter = {
    write(m) {
      if (m.cols !== cols) throw new Error(`row writer: ${m.cols} columns, expected ${cols}`);
      if (m.rows === 0) return;
      put(npy ? new Uint8Array(m.data.buffer, m.data.byteOffset, m.rows * cols * 4) : Buffer.from(formatCsv(m)));
      rows += m.rows;
    },
    commit() {
      try {
        if (npy) put(npyHeader(rows, cols, NPY_HEADER_ROOM), 0);
        fsyncSync(fd!);
        close();
        renameSync(tmp, path);
      } catch (e) {
        writer.abort();
        throw e;
      }
    },
    abort() {
      close();
      rmSync(tmp, { force: true });
    },
  };
  return writer;
}

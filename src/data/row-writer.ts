// A matrix written a block of rows at a time, as .csv or float32 .npy by
// the file's extension, through an atomic file (io/atomic.ts): a failed run
// never leaves a half-written file or clobbers a good one.

import { extname } from 'node:path';
import { InputError } from '../errors.ts';
import { openAtomic, type AtomicFile } from '../io/atomic.ts';
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
  if (!npy && extname(path).toLowerCase() !== '.csv')
    throw new InputError(`${flag} ${path}: expected a .csv or .npy file name`);
  let file: AtomicFile;
  try {
    file = openAtomic(path);
  } catch (e) {
    throw new InputError(`${flag} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  // The row count of a .npy is known only at the end: room for any shape now, the real header at commit.
  if (npy) file.write(new Uint8Array(NPY_HEADER_ROOM));
  let rows = 0;
  return {
    write(m) {
      if (m.cols !== cols) throw new Error(`row writer: ${m.cols} columns, expected ${cols}`);
      if (m.rows === 0) return;
      file.write(npy ? new Uint8Array(m.data.buffer, m.data.byteOffset, m.rows * cols * 4) : Buffer.from(formatCsv(m)));
      rows += m.rows;
    },
    commit() {
      if (npy) {
        try {
          file.write(npyHeader(rows, cols, NPY_HEADER_ROOM), 0);
        } catch (e) {
          file.abort();
          throw e;
        }
      }
      file.commit();
    },
    abort: () => file.abort(),
  };
}

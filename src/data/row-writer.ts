// A matrix written a block of rows at a time, in kind with its input: .csv
// or float32 .npy, Parquet (float columns, the IDs as a first string
// column), or a copy of the input .h5ad/.h5mu with the matrix as a new obsm
// entry; always through an atomic file (io/atomic.ts): a failed run never
// leaves a half-written file or clobbers a good one.

import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { openAtomic, type AtomicFile } from '../io/atomic.ts';
import { fileError } from '../io/fs-error.ts';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { formatCsv } from './csv.ts';
import { NPY_HEADER_ROOM, npyHeader, type Matrix } from './npy.ts';
import { formatOf } from './parse.ts';
import { anndataAppender, splitModality } from './anndata.ts';

export interface RowWriter {
  /** The next rows, and (when the writer keeps IDs) their sample IDs. */
  write(m: Matrix, ids?: string[]): void;
  /** Finish the file and move it into place. */
  commit(): void;
  /** Drop what was written; the target is left as it was. */
  abort(): void;
}

export interface WriterOptions {
  /** Name of the ID column to write first (CSV with a header, Parquet); rows then come with their IDs. */
  idColumn?: string;
  /** The columns' names (default x1, x2, …): a CSV's header, a Parquet's schema. */
  columns?: string[];
  /** A CSV gets a header line even without an ID column (its input had one). */
  header?: boolean;
  /** For an .h5ad/.h5mu output: the input file it copies, the obsm key and the total row count. */
  anndata?: { input: string; key: string; rows: number };
}

export function createRowWriter(path: string, label: string, cols: number, o: WriterOptions = {}): RowWriter {
  const unknown = () =>
    new InputError(
      `${label} ${path}: expected a .csv or .npy file name, a .parquet, or an .h5ad/.h5mu copy of an AnnData input`,
    );
  let format: ReturnType<typeof formatOf>;
  try {
    format = formatOf(path, `${label} ${path}`);
  } catch {
    throw unknown();
  }
  if (!['csv', 'npy', 'parquet', 'h5ad', 'h5mu'].includes(format)) throw unknown();
  if ((format === 'h5ad' || format === 'h5mu') && !o.anndata)
    throw new InputError(
      `${label} ${path}: an AnnData output is a copy of an AnnData input, and the rows do not come from one`,
    );
  let file: AtomicFile;
  try {
    file = openAtomic(splitModality(path).file);
  } catch (e) {
    throw new InputError(`${label} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const header = (names: string[]) => names.join(',') + '\n';
  // Names that repeat the ID column's give way to x1, x2, …: a header or schema names each column once.
  const named = o.idColumn === undefined || !o.columns?.includes(o.idColumn);
  const features = (named ? o.columns : undefined) ?? Array.from({ length: cols }, (_, j) => `x${j + 1}`);
  if (features.length !== cols) throw new Error(`row writer: ${features.length} column names for ${cols} columns`);
  let rows = 0;
  const fail = (e: unknown): never => {
    file.abort();
    throw e;
  };
  if (format === 'npy') file.write(new Uint8Array(NPY_HEADER_ROOM)); // the real header at commit, when the row count is known
  if (format === 'csv' && (o.idColumn !== undefined || o.header))
    file.write(Buffer.from(header([...(o.idColumn !== undefined ? [o.idColumn] : []), ...features])));
  let parquet: ParquetWriter | undefined;
  if (format === 'parquet') {
    // hyparquet-writer's buffer, emptied into the atomic file after each row group and at the end.
    const b = new ByteWriter();
    const flush = () => {
      file.write(new Uint8Array(b.buffer, 0, b.index).slice());
      b.index = 0;
    };
    Object.assign(b, { flush, finish: flush });
    parquet = new ParquetWriter({
      writer: b,
      schema: [
        { name: 'root', num_children: cols + (o.idColumn !== undefined ? 1 : 0) },
        ...(o.idColumn !== undefined
          ? [
              {
                name: o.idColumn,
                type: 'BYTE_ARRAY' as const,
                converted_type: 'UTF8' as const,
                repetition_type: 'REQUIRED' as const,
              },
            ]
          : []),
        ...features.map((name) => ({ name, type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const })),
      ],
    });
  }
  let h5: ReturnType<typeof anndataAppender> | undefined;
  if (o.anndata) {
    // The copy is made through the atomic file, then opened in place by HDF5.
    const src = splitModality(o.anndata.input).file;
    try {
      const fd = openSync(src, 'r'),
        buf = Buffer.alloc(1 << 22);
      try {
        for (let pos = 0, k; (k = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += k) file.write(buf.subarray(0, k));
      } finally {
        closeSync(fd);
      }
      h5 = anndataAppender(file.path, o.anndata.input, o.anndata.key, o.anndata.rows, cols, `${label} ${path}`);
    } catch (e) {
      fail(e);
    }
  }
  return {
    write(m, ids) {
      if (m.cols !== cols) throw new Error(`row writer: ${m.cols} columns, expected ${cols}`);
      if (m.rows === 0) return;
      const data = m.data.subarray(0, m.rows * cols);
      if (format === 'npy') file.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else if (format === 'csv') file.write(Buffer.from(formatCsv(m, o.idColumn !== undefined ? ids : undefined)));
      else if (parquet) {
        const column = (j: number) => Float32Array.from({ length: m.rows }, (_, r) => data[r * cols + j]);
        parquet.write({
          columnData: [
            ...(o.idColumn !== undefined ? [{ name: o.idColumn, data: ids! }] : []),
            ...features.map((name, j) => ({ name, data: column(j) })),
          ],
          rowGroupSize: m.rows,
        });
      } else h5!.write(rows, data);
      rows += m.rows;
    },
    commit() {
      try {
        if (format === 'npy') file.write(npyHeader(rows, cols, NPY_HEADER_ROOM), 0);
        if (parquet) {
          parquet.finish();
        }
        h5?.close();
      } catch (e) {
        fail(fileError(e, splitModality(path).file));
      }
      file.commit();
    },
    abort: () => {
      try {
        h5?.close();
      } catch {
        /* the file goes anyway */
      }
      file.abort();
    },
  };
}

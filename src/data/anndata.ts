// AnnData (.h5ad) and MuData (.h5mu) files through h5wasm (the HDF5 C
// library compiled to wasm): X as a dense 2-D dataset or a CSR group
// (data, indices, indptr, shape), the rows named by the obs names; in a
// .h5mu, one modality (mod/NAME) is one view, named `file.h5mu:NAME`.
// Everything is checked before anything of X's size is allocated: the
// HDF5 signature and the file's length against the end its superblock
// states (a truncated file), X's encoding, shape and dtype, every dataset's
// stated size against the file (HDF5 reads chunks never written as zeros,
// so a few-KB file can state gigabytes), the matrix against the file
// (checkMatrixSize), indptr (read in bounded pieces) against the stored
// values, the obs names' count against the rows. Then X is read a block of
// rows at a time through hyperslabs (dense) or indptr ranges (CSR). Node only.
// h5wasm loads asynchronously: `loadHdf5()` once before the first file.

import fs from 'node:fs';
import { dirname } from 'node:path';
import { InputError, quoted } from '../errors.ts';
import { blockRows, checkMatrixSize, MAX_EXPANSION } from './row-source.ts';
import type { RowStream } from './matrix.ts';
import { checkIds } from './sample-ids.ts';

type H5 = typeof import('h5wasm');
type Group = InstanceType<H5['Group']>;
type Dataset = InstanceType<H5['Dataset']>;
let h5: H5 | undefined;

/** Load h5wasm (idempotent); the AnnData readers need it first. */
export async function loadHdf5(): Promise<void> {
  if (h5) return;
  const mod = (await import('h5wasm/node')).default as unknown as H5;
  await mod.ready;
  h5 = mod;
}

/** Load h5wasm if any of these paths is an AnnData or MuData file (it costs a wasm start otherwise saved). */
export async function loadHdf5For(paths: (string | undefined)[]): Promise<void> {
  if (paths.some((p) => p !== undefined && /\.(h5ad|h5mu)(:[^/\\]*)?$/i.test(p))) await loadHdf5();
}

/** `file.h5mu:rna` → the file and the modality; a name without one → modality undefined. */
export function splitModality(path: string): { file: string; modality?: string } {
  const m = /^(.*\.h5mu):([^/\\]+)$/i.exec(path);
  return m ? { file: m[1], modality: m[2] } : { file: path };
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The file's size and, where its superblock says, the end of file it states
 * (undefined: not an HDF5 file). The signature is looked for at 0, 512,
 * 1024, … (where a user block may push it).
 */
function hdf5Extent(path: string): { size: number; end?: number } | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size,
      buf = Buffer.alloc(64);
    for (let at = 0; at + 8 <= size; at = at ? 2 * at : 512) {
      const n = fs.readSync(fd, buf, 0, buf.length, at);
      if (n >= 8 && SIGNATURE.every((b, i) => buf[i] === b)) return { size, end: statedEnd(buf.subarray(0, n)) };
      if (at >= 1 << 30) break;
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The end of file a superblock states (its base address plus its
 * end-of-file address; versions 0–3, 4- or 8-byte addresses), or undefined
 * where it does not say.
 */
function statedEnd(sb: Buffer): number | undefined {
  const version = sb[8],
    offsets = version < 2 ? sb[13] : sb[9],
    first = [24, 28, 12, 12][version];
  if (first === undefined || (offsets !== 4 && offsets !== 8) || sb.length < first + 3 * offsets) return undefined;
  const address = (i: number) =>
    offsets === 8 ? Number(sb.readBigUInt64LE(first + 8 * i)) : sb.readUInt32LE(first + 4 * i);
  const [base, eof] = [address(0), address(2)];
  return eof >= 2 ** (8 * offsets) - 1 || !Number.isSafeInteger(base + eof) ? undefined : base + eof;
}

/** fn() with the HDF5 library's diagnostics (written straight to fd 2) kept off stderr: errors are ours to word. */
function quietly<T>(fn: () => T): T {
  const write = fs.writeSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) =>
    fd === 2
      ? typeof rest[2] === 'number'
        ? rest[2]
        : (rest[0] as { length: number }).length
      : (write as (...a: unknown[]) => number)(fd, ...rest)) as typeof fs.writeSync;
  try {
    return fn();
  } finally {
    fs.writeSync = write;
  }
}

const attr = (o: Group | Dataset, name: string): unknown => {
  const a = (o.attrs as Record<string, { value: unknown }>)[name];
  return a?.value;
};
const isDataset = (o: unknown): o is Dataset => !!o && (o as object).constructor.name === 'Dataset';
const isGroup = (o: unknown): o is Group => !!o && (o as object).constructor.name === 'Group';
const numeric = (d: Dataset) => {
  const t = (d.metadata as { type: number }).type;
  return t === 0 || t === 1; // H5T_INTEGER, H5T_FLOAT
};
const toF32 = (a: ArrayLike<number | bigint>, out: Float32Array): Float32Array => {
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
};

/** The rows of X in an AnnData file (or of modality `mod` of a MuData one), named by its obs names. */
export function anndataRows(path: string, label: string, textColumns: readonly string[] = []): RowStream {
  if (!h5) throw new Error('anndataRows: call loadHdf5() first');
  const { file, modality } = splitModality(path);
  const mudata = /\.h5mu$/i.test(file);
  const bad = (what: string) => new InputError(`${label}: ${what}`);
  let exists = false;
  try {
    exists = fs.statSync(file).isFile();
  } catch (e) {
    throw bad(`cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!exists) throw bad('cannot read (EISDIR)');
  const extent = hdf5Extent(file);
  if (!extent)
    throw bad(`not an HDF5 file (no HDF5 signature); expected an ${mudata ? 'MuData .h5mu' : 'AnnData .h5ad'} file`);
  if (extent.end !== undefined && extent.size < extent.end)
    throw bad(`HDF5 file truncated: ${extent.size} bytes of the ${extent.end} its superblock states`);
  const H5 = h5;
  let f: InstanceType<H5['File']>;
  try {
    f = quietly(() => new H5.File(file, 'r'));
  } catch {
    throw bad('HDF5 file does not open (truncated or damaged?)');
  }
  try {
    return quietly(() => openX(f, file, modality, mudata, extent.size, bad, textColumns));
  } catch (e) {
    quietly(() => {
      try {
        f.close();
      } catch {
        /* a file that failed to open fully may not close either */
      }
    });
    if (e instanceof InputError) throw e;
    throw bad(`HDF5 read failed (${(e as Error).message}); truncated or damaged?`);
  }
}

function openX(
  f: InstanceType<H5['File']>,
  file: string,
  modality: string | undefined,
  mudata: boolean,
  fileBytes: number,
  bad: (what: string) => InputError,
  textColumns: readonly string[],
): RowStream {
  /** A dataset's stated bytes within what the file can hold: its own bytes, or MAX_EXPANSION times them when compressed. */
  const stored = (d: Dataset, what: string): Dataset => {
    const m = d.metadata as { size: number; total_size: number },
      bytes = m.size * m.total_size,
      most = (d.filters.length ? MAX_EXPANSION : 1) * fileBytes;
    if (!(bytes <= most))
      throw bad(
        `${what} states ${(d.shape ?? []).join('×')} values (${bytes} bytes) in a file of ${fileBytes} bytes (damaged?)`,
      );
    return d;
  };
  const name = bad('').message.replace(/: $/, ''); // the label errors start with
  let root: Group = f;
  if (mudata) {
    const mod = f.get('mod');
    if (!isGroup(mod)) throw bad('no mod group: not a MuData file');
    const names = mod.keys();
    if (modality === undefined) throw bad(`name a modality as ${file}:NAME; this file has ${names.join(', ')}`);
    const g = mod.get(modality);
    if (!isGroup(g)) throw bad(`no modality ${quoted(modality)}; this file has ${names.join(', ')}`);
    root = g;
  }
  const X = root.get('X');
  if (!X) throw bad('no X matrix');
  let rows: number, cols: number;
  let fill: (first: number, n: number, data: Float32Array) => void;
  if (isDataset(X)) {
    const shape = X.shape ?? [];
    if (shape.length !== 2) throw bad(`X has shape (${shape.join(', ')}); expected 2-D`);
    if (!numeric(X)) throw bad(`X holds ${X.dtype}, not numbers`);
    [rows, cols] = shape;
    checkMatrixSize(rows, cols, name, fileBytes);
    stored(X, 'X');
    fill = (first, n, data) => toF32(X.slice([[first, first + n]]) as ArrayLike<number>, data);
  } else if (isGroup(X)) {
    const kind = String(attr(X, 'encoding-type') ?? '(none)');
    if (kind !== 'csr_matrix')
      throw bad(`X is encoded as ${quoted(kind)}; expected a dense array or csr_matrix (convert with X.tocsr())`);
    const shape = Array.from((attr(X, 'shape') as ArrayLike<number | bigint>) ?? [], Number);
    const [data, indices, indptr] = ['data', 'indices', 'indptr'].map((k) => X.get(k));
    if (!isDataset(data) || !isDataset(indices) || !isDataset(indptr))
      throw bad('X is csr_matrix without data, indices and indptr');
    if (shape.length !== 2) throw bad(`X (csr_matrix) has shape (${shape.join(', ')}); expected 2-D`);
    [rows, cols] = shape;
    checkMatrixSize(rows, cols, name, fileBytes);
    if (!numeric(data)) throw bad(`X/data holds ${data.dtype}, not numbers`);
    const nnz = data.shape?.[0] ?? -1;
    if ((indptr.shape?.[0] ?? -1) !== rows + 1 || (indices.shape?.[0] ?? -1) !== nnz)
      throw bad(
        `X (csr_matrix) of shape ${rows}×${cols} has ${indptr.shape?.[0]} indptr entries (expected ${rows + 1}) and ${indices.shape?.[0]} indices for ${nnz} values`,
      );
    stored(data, 'X/data');
    stored(indices, 'X/indices');
    stored(indptr, 'X/indptr');
    const ptr = readIndptr(indptr, rows, nnz, bad);
    fill = (first, n, out) => {
      const p0 = ptr[first],
        p1 = ptr[first + n];
      if (p1 === p0) return;
      const v = data.slice([[p0, p1]]) as ArrayLike<number | bigint>,
        j = indices.slice([[p0, p1]]) as ArrayLike<number | bigint>;
      for (let r = 0; r < n; r++)
        for (let k = ptr[first + r]; k < ptr[first + r + 1]; k++) {
          const c = Number(j[k - p0]);
          if (!(c >= 0 && c < cols))
            throw bad(`X/indices holds column ${c} in row ${first + r + 1}, outside 0..${cols - 1}`);
          out[r * cols + c] = Number(v[k - p0]);
        }
    };
  } else throw bad('X is neither a dataset nor a group');
  const ids = obsNames(root, rows, (d) => stored(d, 'the obs names'), bad);
  checkIds(ids, name);
  const text = new Map<string, string[]>();
  for (const column of textColumns) {
    const values = obsColumn(root, column, rows, stored, bad);
    if (values) text.set(column, values);
  }
  const source = blockRows(rows, cols, (first, n, data) => quietly(() => fill(first, n, data)), ids);
  return {
    ...source,
    ...(text.size ? { text } : {}),
    next: (maxRows) => {
      try {
        return source.next(maxRows);
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw bad(`HDF5 read failed (${(e as Error).message}); truncated or damaged?`);
      }
    },
    close: () => quietly(() => f.close()),
  };
}

/** The obs names: obs/<the obs group's _index attribute>, one per row (their count checked before they are read). */
function obsNames(
  root: Group,
  rows: number,
  stored: (d: Dataset) => Dataset,
  bad: (what: string) => InputError,
): string[] {
  const obs = root.get('obs');
  if (!isGroup(obs)) throw bad('no obs group (the sample names)');
  const key = String(attr(obs, '_index') ?? '_index');
  const names = obs.get(key);
  if (!isDataset(names)) throw bad(`no obs/${key} dataset (the obs names)`);
  const count = (names.shape ?? []).reduce((a, b) => a * b, 1);
  if (count !== rows) throw bad(`obs has ${count} names but X has ${rows} rows`);
  return Array.from(stored(names).value as ArrayLike<unknown>, String);
}

/**
 * obs column `key` as text, one value per row, or undefined where obs has no such column: a
 * categorical (codes into categories; code −1, a missing value, is ''), or a dataset of strings or
 * numbers; sizes are checked before anything is read.
 */
function obsColumn(
  root: Group,
  key: string,
  rows: number,
  stored: (d: Dataset, what: string) => Dataset,
  bad: (what: string) => InputError,
): string[] | undefined {
  const obs = root.get('obs'),
    column = isGroup(obs) ? obs.get(key) : undefined,
    where = `obs/${key}`;
  if (!column) return undefined;
  const size = (d: Dataset) => (d.shape ?? []).reduce((a, b) => a * b, 1);
  if (isDataset(column)) {
    if (size(column) !== rows) throw bad(`${where} has ${size(column)} values but X has ${rows} rows`);
    return Array.from(stored(column, where).value as ArrayLike<unknown>, String);
  }
  if (!isGroup(column) || String(attr(column, 'encoding-type')) !== 'categorical')
    throw bad(`${where} is neither a column of values nor a categorical`);
  const codes = column.get('codes'),
    categories = column.get('categories');
  if (!isDataset(codes) || !isDataset(categories)) throw bad(`${where} is a categorical without codes and categories`);
  if (size(codes) !== rows) throw bad(`${where}/codes has ${size(codes)} values but X has ${rows} rows`);
  const names = Array.from(stored(categories, `${where}/categories`).value as ArrayLike<unknown>, String);
  return Array.from(stored(codes, `${where}/codes`).value as ArrayLike<number | bigint>, (c, r) => {
    const i = Number(c);
    if (i === -1) return '';
    if (!(Number.isInteger(i) && i >= 0 && i < names.length))
      throw bad(`${where}/codes holds ${i} in row ${r + 1}, outside 0..${names.length - 1}`);
    return names[i];
  });
}

/** Entries of X/indptr read per piece: the index is never read whole, and a bad entry stops the read. */
const INDPTR_PIECE = 1 << 16;

/** X/indptr (rows + 1 entries, checked already) read in pieces: from 0, never decreasing, to nnz. */
function readIndptr(indptr: Dataset, rows: number, nnz: number, bad: (what: string) => InputError): Float64Array {
  const ptr = new Float64Array(rows + 1);
  for (let lo = 0; lo <= rows; lo += INDPTR_PIECE) {
    const hi = Math.min(rows + 1, lo + INDPTR_PIECE),
      piece = indptr.slice([[lo, hi]]) as ArrayLike<number | bigint>;
    for (let i = lo; i < hi; i++) {
      ptr[i] = Number(piece[i - lo]);
      if (i === 0 ? ptr[0] !== 0 : !(ptr[i - 1] <= ptr[i] && ptr[i] <= nnz))
        throw bad(
          i === 0
            ? `X/indptr starts at ${ptr[0]}, expected 0`
            : `X/indptr runs ${ptr[i - 1]}, ${ptr[i]} at row ${i}, not within 0..${nnz} in order`,
        );
    }
  }
  if (ptr[rows] !== nnz) throw bad(`X/indptr ends at ${ptr[rows]}, expected ${nnz} (the stored values)`);
  return ptr;
}

/**
 * HDF5 reports a failed write (a full disk) only as the status of closing
 * the file, after its caches are flushed: the likely cause, from the free
 * space left, as a file-system error the caller names the output by.
 */
function failedWrite(path: string): never {
  const { bavail, bsize } = fs.statfsSync(dirname(path));
  throw Object.assign(new Error(`HDF5 could not write ${path}`), {
    code: bavail * bsize < 1 << 20 ? 'ENOSPC' : 'EIO',
  });
}

/**
 * A copy of the AnnData file `input` (or of a .h5mu, the modality in it)
 * with a new rows×cols float32 matrix at obsm/`key`, written a block of
 * rows at a time into the file at `path` (already a byte copy of the
 * input). obsm, not layers: a layer has X's shape, and the imputed view has
 * the other view's width.
 */
export function anndataAppender(
  path: string,
  input: string,
  key: string,
  rows: number,
  cols: number,
  label: string,
): { write(first: number, data: Float32Array): void; close(): void } {
  if (!h5) throw new Error('anndataAppender: call loadHdf5() first');
  const H5 = h5;
  const { modality } = splitModality(input);
  return quietly(() => {
    const f = new H5.File(path, 'a');
    try {
      const root = (modality === undefined ? f : f.get(`mod/${modality}`)) as Group;
      let obsm = root.get('obsm');
      if (!obsm) {
        obsm = root.create_group('obsm');
        (obsm as Group).create_attribute('encoding-type', 'dict');
        (obsm as Group).create_attribute('encoding-version', '0.1.0');
      }
      if (!isGroup(obsm)) throw new InputError(`${label}: obsm of ${input} is not a group`);
      if (obsm.get(key))
        throw new InputError(`${label}: ${input} already has obsm/${key}; impute from a copy without it`);
      const block = Math.max(1, Math.min(rows, Math.floor((1 << 20) / cols)));
      const d = obsm.create_dataset({
        name: key,
        data: new Float32Array(cols),
        shape: [1, cols],
        maxshape: [null, cols],
        chunks: [block, cols],
      });
      d.resize([rows, cols]);
      d.create_attribute('encoding-type', 'array');
      d.create_attribute('encoding-version', '0.2.0');
      return {
        write: (first, data) => quietly(() => d.write_slice([[first, first + data.length / cols], []], data)),
        close: () => quietly(() => f.close() < 0 && failedWrite(path)),
      };
    } catch (e) {
      f.close();
      throw e;
    }
  });
}

// numpy's .npy format (versions 1–3): a magic string, a header dict
// {'descr', 'fortran_order', 'shape'}, then the array bytes. We read
// little-endian float32, float64 and uint8 arrays in C order, 1-D or 2-D,
// a block of rows at a time (IDX files reuse the block reader: their payload
// is uint8 rows), and write float32.

import { InputError } from '../errors.ts';
import { blockRows, type ReadAt, type RowSource } from './row-source.ts';

export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

const DTYPES = {
  '<f4': { bytes: 4, read: (v: DataView, o: number) => v.getFloat32(o, true) },
  '<f8': { bytes: 8, read: (v: DataView, o: number) => v.getFloat64(o, true) },
  '|u1': { bytes: 1, read: (v: DataView, o: number) => v.getUint8(o) },
};

/** Where a binary matrix lies in its file: rows×cols elements of `dtype`, C order, from byte `start`. */
export interface BinaryLayout {
  rows: number;
  cols: number;
  start: number;
  dtype: keyof typeof DTYPES;
}

const MAGIC = [0x93, ...new TextEncoder().encode('NUMPY')];

/** The layout of a .npy file of `size` bytes, checked against its size. */
export function readNpyHeader(at: ReadAt, size: number, name: string): BinaryLayout {
  const bad = (what: string) => new InputError(`${name}: not a readable .npy file: ${what}`);
  const pre = at(0, 12);
  if (pre.length < 10 || MAGIC.some((b, i) => pre[i] !== b)) throw bad('missing the \\x93NUMPY magic');
  const lenBytes = pre[6] === 1 ? 2 : 4;
  if (pre.length < 8 + lenBytes) throw bad('header truncated');
  const view = new DataView(pre.buffer, pre.byteOffset, pre.byteLength);
  const start = 8 + lenBytes + (lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true));
  if (start > size) throw bad('header truncated');
  const header = new TextDecoder().decode(at(8 + lenBytes, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad('header is not a numpy array header');
  if (!(descr in DTYPES))
    throw bad(`dtype '${descr}'; expected little-endian float32 (<f4), float64 (<f8) or uint8 (|u1)`);
  const dtype = descr as BinaryLayout['dtype'];
  if (fortran === 'True') throw bad('Fortran order; save it in C order (numpy.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.length < 1 || shape.length > 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw bad(`shape (${shapeText}); expected 1-D or 2-D, of sizes ≥ 0`);
  const [rows, cols] = shape.length === 1 ? [shape[0], 1] : shape;
  const need = rows * cols * DTYPES[dtype].bytes;
  if (size - start < need)
    throw bad(`shape ${rows}×${cols} needs ${need} bytes of data, the file has ${size - start} (truncated?)`);
  return { rows, cols, start, dtype };
}

/** The rows of a binary matrix (its size already checked), read and converted to float32 a block at a time. */
export function binaryRows(at: ReadAt, { rows, cols, start, dtype }: BinaryLayout): RowSource {
  const { bytes, read } = DTYPES[dtype],
    rowBytes = cols * bytes;
  return blockRows(rows, cols, (first, n, data) => {
    const buf = at(start + first * rowBytes, start + (first + n) * rowBytes);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < data.length; i++) data[i] = read(view, i * bytes);
  });
}

/**
 * The header of a float32 C-order rows×cols .npy file (version 1), padded
 * with spaces to `length` bytes: by default the least multiple of 64 that
 * fits (numpy's alignment); a writer that learns the row count only at the
 * end reserves NPY_HEADER_ROOM and rewrites the header in place.
 */
export function npyHeader(rows: number, cols: number, length?: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = length ?? Math.ceil((10 + dict.length + 1) / 64) * 64;
  if (total < 10 + dict.length + 1 || total % 64)
    throw new Error(`npy header of ${total} bytes cannot hold shape (${rows}, ${cols})`);
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out.set([1, 0], 6);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(dict.padEnd(total - 11) + '\n'), 10);
  return out;
}

/** Header bytes that hold any shape of safe integers. */
export const NPY_HEADER_ROOM = npyHeader(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).length;

/** A float32 C-order .npy file of a rows×cols matrix. */
export function encodeNpy(m: Matrix): Uint8Array {
  const header = npyHeader(m.rows, m.cols);
  const out = new Uint8Array(header.length + m.data.byteLength);
  out.set(header);
  out.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), header.length);
  return out;
}

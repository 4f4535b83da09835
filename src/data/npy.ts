// Reader for numpy's .npy format (versions 1–3): a magic string, a header
// dict {'descr', 'fortran_order', 'shape'}, then the array bytes. We take
// little-endian float32, float64 and uint8 arrays in C order, 1-D or 2-D.

import { InputError } from '../errors.ts';

export interface Matrix { rows: number; cols: number; data: Float32Array }

const DTYPES: Record<string, { bytes: number; read: (v: DataView, o: number) => number }> = {
  '<f4': { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  '|u1': { bytes: 1, read: (v, o) => v.getUint8(o) },
};

export function parseNpy(buf: Uint8Array, name: string): Matrix {
  const bad = (what: string) => new InputError(`${name}: not a readable .npy file: ${what}`);
  if (buf.length < 10 || buf[0] !== 0x93 || new TextDecoder().decode(buf.subarray(1, 6)) !== 'NUMPY') throw bad('missing the \\x93NUMPY magic');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = buf[6];
  const [lenBytes, headerLen] = major === 1 ? [2, view.getUint16(8, true)] : [4, view.getUint32(8, true)];
  const start = 8 + lenBytes + headerLen;
  if (start > buf.length) throw bad('header truncated');
  const header = new TextDecoder().decode(buf.subarray(8 + lenBytes, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad('header is not a numpy array header');
  const dtype = DTYPES[descr];
  if (!dtype) throw bad(`dtype '${descr}'; expected little-endian float32 (<f4), float64 (<f8) or uint8 (|u1)`);
  if (fortran === 'True') throw bad('Fortran order; save it in C order (numpy.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.length < 1 || shape.length > 2 || !shape.every(Number.isInteger)) throw bad(`shape (${shapeText}); expected 1-D or 2-D`);
  const [rows, cols] = shape.length === 1 ? [shape[0], 1] : shape;
  const need = rows * cols * dtype.bytes;
  if (buf.length - start < need) throw bad(`shape ${rows}×${cols} needs ${need} bytes of data, the file has ${buf.length - start} (truncated?)`);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = dtype.read(view, start + i * dtype.bytes);
  return { rows, cols, data };
}

/** A float32 C-order .npy file of a rows×cols matrix. */
export function encodeNpy(m: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // total header a multiple of 64
  const out = new Uint8Array(10 + header.length + m.data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), 10 + header.length);
  return out;
}

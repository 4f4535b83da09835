// Reader for the IDX format of the original MNIST files (big-endian dims,
// unsigned-byte payload). Bad files fail with one clear line.

import { readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

export interface IdxArray { dims: number[]; data: Uint8Array }

export function readIdx(path: string): IdxArray {
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) {
    throw new InputError(`${path}: cannot read IDX file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseIdx(buf, path);
}

export function parseIdx(buf: Uint8Array, name = 'IDX data'): IdxArray {
  const bad = (what: string) => new InputError(`${name}: not a valid IDX file: ${what}`);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw bad('missing the 0x0000 magic');
  if (buf[2] !== 0x08) throw bad(`element type 0x${buf[2].toString(16)}, expected unsigned byte (0x08)`);
  const ndim = buf[3];
  if (ndim < 1 || buf.length < 4 + 4 * ndim) throw bad('header truncated');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (buf.length - start !== count) {
    throw bad(`dims ${dims.join('×')} need ${count} bytes of data, the file has ${buf.length - start}`);
  }
  return { dims, data: buf.subarray(start) };
}

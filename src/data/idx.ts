// The IDX format of the original MNIST files: big-endian dims, then an
// unsigned-byte payload. One header parser serves the streamed reader
// (matrix.ts) and the whole-file read of MNIST's files (hvdmnist.ts). Bad
// files fail with one clear line.

import { InputError } from '../errors.ts';
import type { ReadAt } from './row-source.ts';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** The dims of an IDX file of `size` bytes and where its payload starts, checked against its size. */
export function readIdxHeader(at: ReadAt, size: number, name: string): { dims: number[]; start: number } {
  const bad = (what: string) => new InputError(`${name}: not a valid IDX file: ${what}`);
  const magic = at(0, 4);
  if (magic.length < 4 || magic[0] !== 0 || magic[1] !== 0) throw bad('missing the 0x0000 magic');
  if (magic[2] !== 0x08) throw bad(`element type 0x${magic[2].toString(16)}, expected unsigned byte (0x08)`);
  const ndim = magic[3],
    start = 4 + 4 * ndim;
  if (ndim < 1 || size < start) throw bad('header truncated');
  const head = at(4, start),
    view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (size - start !== count)
    throw bad(`dims ${dims.join('×')} need ${count} bytes of data, the file has ${size - start}`);
  return { dims, start };
}

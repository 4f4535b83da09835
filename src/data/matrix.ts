// A user's data file as a rows×cols matrix, chosen by extension: .csv,
// .npy, or IDX (.idx, or MNIST's *-ubyte names; dims after the first are
// flattened into columns).

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors.ts';
import { parseCsv } from './csv.ts';
import { parseIdx } from './idx.ts';
import { parseNpy, type Matrix } from './npy.ts';

export const MATRIX_EXTENSIONS = ['.csv', '.npy', '.idx'];

export function readMatrix(path: string, flag: string): Matrix {
  const ext = extname(path).toLowerCase();
  const isIdx = ext === '.idx' || /-ubyte$/.test(path);
  if (!MATRIX_EXTENSIONS.includes(ext) && !isIdx) {
    throw new InputError(`${flag} ${path}: unknown file type '${ext || '(none)'}'; expected ${MATRIX_EXTENSIONS.join(', ')} or an IDX *-ubyte file`);
  }
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) {
    throw new InputError(`${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (ext === '.csv') return parseCsv(buf.toString('utf8'), path);
  if (ext === '.npy') return parseNpy(buf, path);
  const idx = parseIdx(buf, path);
  const rows = idx.dims[0], cols = idx.data.length / Math.max(rows, 1);
  return { rows, cols, data: Float32Array.from(idx.data) };
}

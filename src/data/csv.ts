// Numeric CSV: comma-separated numbers, one row per line, an optional
// header line (a first line with any non-numeric cell). An empty line, or a
// line of empty/NaN cells, is a row whose view is missing: it reads as NaN.

import { InputError } from '../errors.ts';
import type { Matrix } from './npy.ts';

export function parseCsv(text: string, name: string): Matrix {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const cellsOf = (line: string) => line.split(',').map((c) => c.trim());
  const isNumber = (c: string) => c !== '' && Number.isFinite(Number(c));
  let first = 0;
  if (lines.length && cellsOf(lines[0]).some((c) => c !== '' && !isNumber(c) && !/^nan$/i.test(c))) first = 1; // a header
  const rows = lines.length - first;
  let cols = -1;
  for (let i = first; i < lines.length && cols < 0; i++) if (lines[i].trim() !== '') cols = cellsOf(lines[i]).length;
  if (rows <= 0 || cols <= 0) throw new InputError(`${name}: no data rows`);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const line = lines[first + r];
    if (line.trim() === '') { data.fill(NaN, r * cols, (r + 1) * cols); continue; }
    const cells = cellsOf(line);
    if (cells.length !== cols) throw new InputError(`${name}:${first + r + 1}: ${cells.length} cells, expected ${cols} like the first data row (ragged CSV)`);
    for (let c = 0; c < cols; c++) {
      const cell = cells[c];
      if (cell === '' || /^nan$/i.test(cell)) { data[r * cols + c] = NaN; continue; }
      const x = Number(cell);
      if (Number.isNaN(x)) throw new InputError(`${name}:${first + r + 1}: column ${c + 1} holds '${cell}', not a number`);
      data[r * cols + c] = x;
    }
  }
  return { rows, cols, data };
}

/** CSV text of a matrix, %.6g-like precision, no header. */
export function formatCsv(m: Matrix): string {
  const out: string[] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), (x) => Number(x.toPrecision(7))).join(','));
  return out.join('\n') + '\n';
}

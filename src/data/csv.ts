// Numeric CSV: comma-separated decimal numbers, one row per line, an
// optional header line (a first line of names: no cell a number, inf and
// NaN being numbers; a first line of numbers with one bad cell is that
// cell's error, never a header that swallows a row; with an ID column, the
// line that names it). A NUL byte anywhere is an error (a binary file, not
// text). An empty line, or a line of empty/NaN cells, is a
// row whose view is missing: it reads as NaN. Hex, binary and octal
// literals, which Number() would take, are not numbers here.
// The file is read in chunks, never as one string (V8 caps strings at
// 512 MB): a first pass counts the lines, so the row count is known before
// any row is parsed, then rows are parsed a block at a time. With an ID
// column (named in the header), that column holds each row's sample ID and
// the others its numbers; a pass before the rows collects the IDs.

import { InputError, quoted } from '../errors.ts';
import { VALUE_LABELS } from './labels.ts';
import { blockRows, type MatrixFile, type ReadAt, type RowSource } from './row-source.ts';
import type { Matrix } from './npy.ts';
import { checkIds } from './sample-ids.ts';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a; // never a byte inside a multibyte UTF-8 character

/**
 * Lines of a file `size` bytes long, read `chunkBytes` at a time ('\r' is
 * left to trim()). A line longer than a chunk is kept as pieces and joined
 * once, at its end: never re-copied chunk by chunk.
 */
function lineReader(at: ReadAt, size: number, chunkBytes: number): () => string | undefined {
  // Keep a BOM: trim() and Number() skip it, and every line stays in step with countLines.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let pos = 0,
    lines: string[] = [],
    i = 0,
    tail: string[] = [],
    ended = false;
  return () => {
    while (i === lines.length) {
      if (ended) return undefined;
      i = 0;
      if (pos < size) {
        const bytes = at(pos, pos + chunkBytes);
        pos += bytes.length;
        const text = decoder.decode(bytes, { stream: true });
        if (text.indexOf('\n') < 0) {
          tail.push(text);
          lines = [];
          continue;
        }
        lines = text.split('\n');
        lines[0] = tail.join('') + lines[0];
        tail = [lines.pop()!]; // continued by the next chunk
      } else {
        ended = true;
        const last = tail.join('') + decoder.decode();
        lines = last === '' ? [] : [last]; // a last line without '\n'
      }
    }
    return lines[i++];
  };
}

/** How many lines lineReader will give: the newlines, plus a last line without one. A NUL byte is refused on its line. */
function countLines(at: ReadAt, size: number, chunkBytes: number, name: string): number {
  let lines = 0,
    last = NEWLINE;
  for (let pos = 0; pos < size; pos += chunkBytes) {
    const bytes = at(pos, pos + chunkBytes),
      nul = bytes.indexOf(0),
      end = nul < 0 ? bytes.length : nul;
    for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) lines++;
    if (nul >= 0) throw new InputError(`${name}:${lines + 1}: a NUL byte (byte ${pos + nul + 1}); a CSV file is text`);
    last = bytes[bytes.length - 1];
  }
  return last === NEWLINE ? lines : lines + 1;
}

/** A cell's number: decimal, inf/infinity (signed) or NaN/empty (NaN); undefined for anything else. */
function cellValue(cell: string): number | undefined {
  const x = +cell; // Number() skips surrounding whitespace, and takes '' and ' ' for 0
  if (x === x && (x !== 0 || cell.trim() !== '') && !/[xXbBoO]/.test(cell)) return x; // (not 0x1F, 0b101, 0o17)
  const s = cell.trim();
  if (s === '' || /^nan$/i.test(s)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  return undefined;
}

/** The cells of a line, one at a time (no array of them: a line may hold millions). */
function forEachCell(line: string, fn: (cell: string, c: number) => boolean | void): void {
  for (let start = 0, c = 0; ; c++) {
    const end = line.indexOf(',', start);
    if (fn(line.slice(start, end < 0 ? line.length : end), c) === false || end < 0) return;
    start = end + 1;
  }
}

const countCells = (line: string): number => {
  let n = 1;
  for (let i = line.indexOf(','); i >= 0; i = line.indexOf(',', i + 1)) n++;
  return n;
};

/**
 * Line `lineNo` into data[o, o + cols): its numbers, or NaN for a blank line
 * or an empty/NaN cell; the cells in `skip` (the ID's, text columns') are skipped here.
 */
function parseRow(
  line: string,
  data: Float32Array,
  o: number,
  cols: number,
  name: string,
  lineNo: number,
  skip: ReadonlySet<number> = NO_CELLS,
): void {
  const cells = countCells(line) - skip.size;
  if (cells !== cols) {
    if (line.trim() === '') {
      data.fill(NaN, o, o + cols);
      return;
    }
    throw new InputError(`${name}:${lineNo}: ${cells} cells, expected ${cols} like the first data row (ragged CSV)`);
  }
  let skipped = 0;
  forEachCell(line, (cell, c) => {
    if (skip.has(c)) return void skipped++;
    const x = cellValue(cell);
    if (x === undefined)
      throw new InputError(`${name}:${lineNo}: column ${c + 1} holds ${quoted(cell.trim())}, not a number`);
    data[o + c - skipped] = x;
  });
}

const NO_CELLS: ReadonlySet<number> = new Set();

/** The cell `c` of a line, trimmed ('' if the line is shorter). */
function cellAt(line: string, c: number): string {
  let out = '';
  forEachCell(line, (cell, i) => (i === c ? ((out = cell.trim()), false) : true));
  return out;
}

/**
 * Is `line` (the first) a header? Names only, empty cells aside; with an ID
 * column, any line with a name (its other names may be numbers: "id,0,1").
 * A line of numbers and names otherwise is data with a bad cell: its error.
 */
function isHeader(line: string, name: string, ids: boolean): boolean {
  let numbers = 0,
    named: [string, number] | undefined;
  forEachCell(line, (cell, c) => {
    if (cell.trim() === '') return;
    if (cellValue(cell) !== undefined) numbers++;
    else named ??= [cell.trim(), c];
  });
  if (named && numbers && !ids)
    throw new InputError(
      `${name}:1: column ${named[1] + 1} holds ${quoted(named[0])}, not a number (a header holds names only)`,
    );
  return named !== undefined;
}

/**
 * The rows of a CSV file `size` bytes long; `name` prefixes errors as
 * `name:line:`. With `idColumn`, the header's column of that name holds the
 * sample IDs (unique, checked here).
 */
export function csvRows(
  { at, size, name, idColumn, idLabel = VALUE_LABELS.idColumn, textColumns = [] }: MatrixFile,
  chunkBytes = CHUNK_BYTES,
): RowSource {
  const lines = countLines(at, size, chunkBytes, name); // first: a NUL byte is an error wherever it is
  const peek = lineReader(at, size, chunkBytes);
  const first = peek();
  const header = first !== undefined && isHeader(first, name, idColumn !== undefined || textColumns.length > 0);
  let idCell = -1;
  if (idColumn !== undefined) {
    if (header) forEachCell(first!, (cell, c) => !(cell.trim() === idColumn && (idCell = c) >= 0));
    if (idCell < 0)
      throw new InputError(
        `${name}: no column ${quoted(idColumn)} (${idLabel}) in ${header ? `the header ${quoted(first!)}` : 'a header line (the first line is numbers)'}`,
      );
  }
  // Text columns (covariates) the header names: read as text, left out of the numbers.
  const textCells = new Map<string, number>();
  if (header && textColumns.length)
    forEachCell(
      first!,
      (cell, c) => void (textColumns.includes(cell.trim()) && c !== idCell && textCells.set(cell.trim(), c)),
    );
  const skipCells = new Set([...(idCell >= 0 ? [idCell] : []), ...textCells.values()]);
  // The width is that of the first non-blank data line; blank lines before it are rows all the same.
  let line = header ? peek() : first;
  while (line !== undefined && line.trim() === '') line = peek();
  const skip = header ? 1 : 0,
    rows = lines - skip,
    cols = line === undefined ? 0 : countCells(line) - skipCells.size;
  if (rows <= 0 || cols < 0 || (cols === 0 && !textCells.size)) throw new InputError(`${name}: no data rows`);
  let ids: string[] | undefined;
  if (idCell >= 0) {
    ids = [];
    const idLine = lineReader(at, size, chunkBytes);
    idLine();
    for (let r = 0; r < rows; r++) ids.push(cellAt(idLine() ?? '', idCell));
    checkIds(ids, name);
  }
  let text: Map<string, string[]> | undefined;
  if (textCells.size) {
    text = new Map([...textCells.keys()].map((k) => [k, []]));
    const textLine = lineReader(at, size, chunkBytes);
    textLine();
    for (let r = 0; r < rows; r++) {
      const l = textLine() ?? '';
      for (const [k, c] of textCells) text.get(k)!.push(cellAt(l, c));
    }
  }
  const nextLine = lineReader(at, size, chunkBytes);
  if (header) nextLine();
  const columns: string[] = [];
  if (header) forEachCell(first!, (cell, c) => void (!skipCells.has(c) && columns.push(cell.trim())));
  const source = blockRows(
    rows,
    cols,
    (first, n, data) => {
      for (let r = 0; r < n; r++) {
        const line = nextLine();
        if (line === undefined) throw new InputError(`${name}: changed while being read`);
        parseRow(line, data, r * cols, cols, name, skip + first + r + 1, skipCells);
      }
    },
    ids,
  );
  return { ...source, ...(header ? { columns } : {}), ...(text ? { text } : {}) };
}

/** CSV text of a matrix, %.6g-like precision, no header; with `ids`, each row's ID first. */
/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function shortestFloat32(x: number): number {
  for (let p = 6; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

export function formatCsv(m: Matrix, ids?: string[]): string {
  const out: string[] = [];
  for (let r = 0; r < m.rows; r++)
    out.push(
      (ids ? ids[r] + ',' : '') + Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), shortestFloat32).join(','),
    );
  return out.join('\n') + '\n';
}

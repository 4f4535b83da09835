// Parquet tables through hyparquet (pure JS, the parser the hyparam tools
// use): one numeric column per feature (float, double, int32, int64; a null
// is NaN, so a row of nulls is a missing view), and optionally one ID
// column (strings or integers) naming the samples. Read a row group at a
// time: the footer is parsed from the file's last bytes; every column
// chunk must lie inside the file, apart from every other, and state one
// value per row of its group; the matrix the footer states is bounded by
// the file's size (checkMatrixSize); and before a chunk is decoded its page
// headers are read and checked against its group's rows, since hyparquet
// allocates what a page states (its values, its uncompressed bytes). A
// group's column chunks are then read and decoded synchronously
// (hyparquet's own column decoder, without its async scheduling).

import { parquetMetadata, parquetSchema, type FileMetaData } from 'hyparquet';
import { VALUE_LABELS } from './labels.ts';
import { parquetHeader, readColumn } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';
import { InputError, quoted } from '../errors.ts';
import {
  checkExtents,
  checkMatrixSize,
  groupedRows,
  tableColumns,
  MAX_EXPANSION,
  type MatrixFile,
  type RowSource,
} from './row-source.ts';
import { checkIds } from './sample-ids.ts';

const MAGIC = 0x31524150; // "PAR1", little-endian
const NUMERIC = new Set(['FLOAT', 'DOUBLE', 'INT32', 'INT64']);

type Column = { name: string; index: number; type: string };

/** The rows of a Parquet file `size` bytes long (and its IDs, from column `idColumn`). */
export function parquetRows({
  at,
  size,
  name,
  idColumn,
  idLabel = VALUE_LABELS.idColumn,
  textColumns = [],
}: MatrixFile): RowSource {
  const bad = (what: string) => new InputError(`${name}: not a readable Parquet file: ${what}`);
  const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
  const head = at(0, 4);
  if (size < 12 || head.length < 4 || u32(head, 0) !== MAGIC) throw bad('missing the PAR1 magic');
  const tail = at(size - 8, size);
  if (u32(tail, 4) !== MAGIC) throw bad('missing the PAR1 footer (truncated?)');
  const footer = u32(tail, 0);
  if (footer + 12 > size) throw bad(`footer of ${footer} bytes in a file of ${size} (truncated?)`);
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(at(size - 8 - footer, size));
  } catch (e) {
    throw bad(`footer does not parse (${(e as Error).message})`);
  }
  const tree = parquetSchema(metadata);
  const columns: Column[] = tree.children.map((c, index) => {
    if (c.children.length) throw bad(`column ${quoted(c.element.name)} is nested; expected flat columns`);
    return { name: c.element.name, index, type: c.element.type ?? '' };
  });
  const texts = columns.filter((c) => textColumns.includes(c.name) && c.name !== idColumn);
  const { id, features } = tableColumns(
    columns.filter((c) => !texts.includes(c)),
    (c) => NUMERIC.has(c.type),
    { name, idColumn, idLabel },
  );
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  // Every chunk inside the file, apart from the others, with one value per row; then the matrix against the file.
  checkExtents(
    metadata.row_groups.flatMap((g, i) => {
      if (!(Number.isSafeInteger(groups[i]) && groups[i] >= 0))
        throw bad(`row group ${i + 1} states ${g.num_rows} rows`);
      return g.columns.map((chunk, c) => {
        const m = chunk.meta_data,
          what = `row group ${i + 1}'s column ${quoted(columns[c]?.name ?? '')}`;
        if (!m) throw bad(`${what} has no metadata`);
        if (Number(m.num_values) !== groups[i]) throw bad(`${what} holds ${m.num_values} values for ${groups[i]} rows`);
        const start = Number(m.dictionary_page_offset || m.data_page_offset);
        return { start, end: start + Number(m.total_compressed_size), what };
      });
    }),
    4,
    size - 8 - footer,
    name,
  );
  const rows = groups.reduce((a, b) => a + b, 0);
  checkMatrixSize(rows, columns.length, name, size);
  /** Column c of row group g, decoded. */
  const decode = (g: number, c: Column): ArrayLike<unknown> => {
    const chunk = metadata.row_groups[g].columns[c.index].meta_data!;
    const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    const bytes = at(start, start + Number(chunk.total_compressed_size));
    const schemaPath = getTreePath(tree, chunk.path_in_schema);
    try {
      checkPages(bytes, groups[g], MAX_EXPANSION * size);
      const { data } = readColumn(
        { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 },
        { groupStart: 0, selectStart: 0, selectEnd: groups[g], groupRows: groups[g] },
        {
          pathInSchema: chunk.path_in_schema,
          type: chunk.type,
          element: schemaPath[schemaPath.length - 1].element,
          schemaPath,
          codec: chunk.codec,
          compressors, // gzip, zstd, brotli, lz4 (snappy is built in)
          parsers: DEFAULT_PARSERS,
        },
      );
      const flat = data.length === 1 ? data[0] : data.flatMap((d) => Array.from(d as ArrayLike<unknown>));
      if (flat.length !== groups[g]) throw new Error(`${flat.length} values for ${groups[g]} rows`);
      return flat as ArrayLike<unknown>;
    } catch (e) {
      throw bad(`column ${quoted(c.name)} of row group ${g + 1} does not decode (${(e as Error).message})`);
    }
  };
  let ids: string[] | undefined;
  if (id) {
    ids = [];
    for (let g = 0; g < groups.length; g++) {
      const values = decode(g, id);
      for (let r = 0; r < values.length; r++) ids.push(values[r] == null ? '' : String(values[r]));
    }
    checkIds(ids, name);
  }
  // Text columns (covariates): each value as text; a null is '' (a missing category, refused where it is used).
  const text = new Map(
    texts.map((c) => {
      const values: string[] = [];
      for (let g = 0; g < groups.length; g++) {
        const v = decode(g, c);
        for (let r = 0; r < v.length; r++) values.push(v[r] == null ? '' : String(v[r]));
      }
      return [c.name, values];
    }),
  );
  const cols = features.length;
  const source = groupedRows(
    groups,
    cols,
    (g, out) =>
      features.forEach((f, c) => {
        const values = decode(g, f);
        for (let r = 0; r < groups[g]; r++) {
          const v = values[r];
          out[r * cols + c] = v == null ? NaN : Number(v);
        }
      }),
    ids,
  );
  return { ...source, columns: features.map((f) => f.name), ...(text.size ? { text } : {}) };
}

/**
 * The page headers of a column chunk (`bytes`) of a group of `rows` rows,
 * read as hyparquet's decoder will read them, checked before it allocates
 * what they state: each page inside the chunk, its uncompressed size at most
 * `most` bytes, a dictionary of at most one value per byte, and data pages
 * of `rows` values in all.
 */
function checkPages(bytes: Uint8Array, rows: number, most: number): void {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  for (let values = 0; values < rows && reader.offset < bytes.length - 1;) {
    const h = parquetHeader(reader),
      page = `page at byte ${reader.offset}`;
    if (!(h.compressed_page_size >= 0 && reader.offset + h.compressed_page_size <= bytes.length))
      throw new Error(`${page} runs past its column chunk`);
    if (!(h.uncompressed_page_size >= 0 && h.uncompressed_page_size <= most))
      throw new Error(`${page} states ${h.uncompressed_page_size} bytes uncompressed, more than the file can hold`);
    const n = Number(h.data_page_header?.num_values ?? h.data_page_header_v2?.num_rows ?? 0);
    if (h.dictionary_page_header && !(h.dictionary_page_header.num_values <= h.uncompressed_page_size))
      throw new Error(
        `${page}: a dictionary of ${h.dictionary_page_header.num_values} values in ${h.uncompressed_page_size} bytes`,
      );
    if (!(n >= 0 && (values += n) <= rows))
      throw new Error(`${page}: its pages state more values than the ${rows} rows`);
    reader.offset += h.compressed_page_size;
  }
}

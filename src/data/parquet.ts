// Parquet tables through hyparquet (pure JS, the parser the hyparam tools
// use): one numeric column per feature (float, double, int32, int64; a null
// is NaN, so a row of nulls is a missing view), and optionally one ID
// column (strings or integers) naming the samples. Read a row group at a
// time: the footer is parsed from the file's last bytes, every column
// chunk's byte range is checked against the file's size before anything is
// decoded, and a group's column chunks are read and decoded synchronously
// (hyparquet's own column decoder, without its async scheduling).

import { parquetMetadata, parquetSchema, type FileMetaData } from 'hyparquet';
import { VALUE_LABELS } from './labels.ts';
import { readColumn } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../errors.ts';
import { groupedRows, type MatrixFile, type RowSource } from './row-source.ts';
import { checkIds } from './sample-ids.ts';

const MAGIC = 0x31524150; // "PAR1", little-endian
const NUMERIC = new Set(['FLOAT', 'DOUBLE', 'INT32', 'INT64']);

type Column = { name: string; index: number; type: string };

/** The rows of a Parquet file `size` bytes long (and its IDs, from column `idColumn`). */
export function parquetRows({ at, size, name, idColumn, idLabel = VALUE_LABELS.idColumn }: MatrixFile): RowSource {
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
    if (c.children.length) throw bad(`column '${c.element.name}' is nested; expected flat columns`);
    return { name: c.element.name, index, type: c.element.type ?? '' };
  });
  const id = idColumn === undefined ? undefined : columns.find((c) => c.name === idColumn);
  if (idColumn !== undefined && !id)
    throw new InputError(
      `${name}: no column '${idColumn}' (${idLabel}); the columns are ${columns
        .slice(0, 8)
        .map((c) => c.name)
        .join(', ')}${columns.length > 8 ? ', …' : ''}`,
    );
  const features = columns.filter((c) => c !== id);
  const other = features.find((c) => !NUMERIC.has(c.type));
  if (other)
    throw new InputError(
      `${name}: column '${other.name}' is ${other.type}, not a number${idColumn === undefined ? `; if it holds sample IDs, name it as ${idLabel}` : ''}`,
    );
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  // Every chunk's bytes inside the file, before anything of the table's size is allocated.
  for (const g of metadata.row_groups)
    for (const chunk of g.columns) {
      const m = chunk.meta_data;
      if (!m) throw bad('a column chunk without metadata');
      const start = Number(m.dictionary_page_offset || m.data_page_offset),
        end = start + Number(m.total_compressed_size);
      if (!(start >= 4 && end <= size - 8 - footer)) throw bad(`a column chunk lies outside the file (truncated?)`);
    }

  /** Column c of row group g, decoded. */
  const decode = (g: number, c: Column): ArrayLike<unknown> => {
    const chunk = metadata.row_groups[g].columns[c.index].meta_data!;
    const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    const bytes = at(start, start + Number(chunk.total_compressed_size));
    const schemaPath = getTreePath(tree, chunk.path_in_schema);
    try {
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
      throw bad(`column '${c.name}' of row group ${g + 1} does not decode (${(e as Error).message})`);
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
  const cols = features.length;
  return groupedRows(
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
}

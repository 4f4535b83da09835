// Parquet tables through hyparquet (pure JS, the parser the hyparam tools
// use): one numeric column per feature (float, double, int32, int64; a null
// is NaN, so a row of nulls is a missing view), and optionally one ID
// column (strings or integers) naming the samples. Nothing is allocated
// for the table before its footer is checked: the row count against the
// column chunks' value counts, every chunk's bytes inside the file, the
// float32 matrix against what the file can plausibly hold. Column chunks
// are then decoded a page at a time (hyparquet's page decoder, read
// through positional reads of the file): a whole matrix (readMatrix) is
// filled straight from the pages, so its peak memory is the matrix and one
// page, whatever the row groups' size; a stream of row blocks (impute)
// holds one decoded row group.

import { parquetMetadata, parquetSchema, type DecodedArray, type FileMetaData, type PageHeader } from 'hyparquet';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../errors.ts';
import { checkClaimedSize, groupedRows, type ReadAt, type RowSource } from './row-source.ts';
import { checkIds } from './sample-ids.ts';

const MAGIC = 0x31524150; // "PAR1", little-endian
const NUMERIC = new Set(['FLOAT', 'DOUBLE', 'INT32', 'INT64']);
/** A page header's bytes are read this many at first (thrift headers are tens of bytes; statistics may be more). */
const HEADER_BYTES = 1 << 12;
type Column = { name: string; index: number; type: string };
type ColumnDecoder = Parameters<typeof readPage>[2];

/** The rows of a Parquet file `size` bytes long (and its IDs, from column `idColumn`). */
export function parquetRows(at: ReadAt, size: number, name: string, idColumn?: string): RowSource {
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
      `${name}: no column '${idColumn}' (--id-column); the columns are ${columns
        .slice(0, 8)
        .map((c) => c.name)
        .join(', ')}${columns.length > 8 ? ', …' : ''}`,
    );
  const features = columns.filter((c) => c !== id);
  const other = features.find((c) => !NUMERIC.has(c.type));
  if (other)
    throw new InputError(
      `${name}: column '${other.name}' is ${other.type}, not a number${idColumn === undefined ? '; name an ID column with --id-column' : ''}`,
    );

  // The footer's claims, before anything of the table's size is allocated.
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  if (!groups.every((n) => Number.isSafeInteger(n) && n >= 0)) throw bad('a row group with a negative row count');
  const rows = groups.reduce((a, b) => a + b, 0),
    cols = features.length;
  if (rows !== Number(metadata.num_rows))
    throw bad(`the footer claims ${metadata.num_rows} rows but its row groups hold ${rows}`);
  checkClaimedSize('the footer', rows, cols, size, bad);
  metadata.row_groups.forEach((g, i) => {
    if (g.columns.length !== columns.length)
      throw bad(`row group ${i + 1} has ${g.columns.length} columns, not ${columns.length}`);
    for (const chunk of g.columns) {
      const m = chunk.meta_data;
      if (!m) throw bad('a column chunk without metadata');
      const start = Number(m.dictionary_page_offset || m.data_page_offset),
        end = start + Number(m.total_compressed_size);
      if (!(start >= 4 && end <= size - 8 - footer)) throw bad(`a column chunk lies outside the file (truncated?)`);
      if (Number(m.num_values) !== groups[i])
        throw bad(`a column chunk of row group ${i + 1} holds ${m.num_values} values for ${groups[i]} rows`);
    }
  });

  /** Column c of row group g, a page at a time: onPage(first row of the page within the group, its values). */
  const decode = (g: number, c: Column, onPage: (first: number, values: DecodedArray) => void): void => {
    const chunk = metadata.row_groups[g].columns[c.index].meta_data!;
    const schemaPath = getTreePath(tree, chunk.path_in_schema);
    const decoder: ColumnDecoder = {
      pathInSchema: chunk.path_in_schema,
      type: chunk.type,
      element: schemaPath[schemaPath.length - 1].element,
      schemaPath,
      codec: chunk.codec,
      compressors, // gzip, zstd, brotli, lz4 (snappy is built in)
      parsers: DEFAULT_PARSERS,
    };
    try {
      pages(at, chunk, decoder, groups[g], NUMERIC.has(c.type), onPage);
    } catch (e) {
      throw bad(`column '${c.name}' of row group ${g + 1} does not decode (${(e as Error).message})`);
    }
  };
  const starts: number[] = []; // each group's first row
  groups.reduce((first, n) => (starts.push(first), first + n), 0);

  let ids: string[] | undefined;
  if (id) {
    ids = new Array<string>(rows);
    groups.forEach((_, g) =>
      decode(g, id, (first, v) => {
        for (let r = 0; r < v.length; r++) ids![starts[g] + first + r] = v[r] == null ? '' : String(v[r]);
      }),
    );
    checkIds(ids, name);
  }
  const source = groupedRows(
    groups,
    cols,
    (g) => {
      const out = new Float32Array(groups[g] * cols);
      features.forEach((f, c) => decode(g, f, (first, v) => put(out, v, first * cols + c, cols)));
      return out;
    },
    ids,
  );
  let started = false;
  return {
    rows,
    cols,
    ids,
    next: (maxRows) => ((started = true), source.next(maxRows)),
    readInto(data, rowOf) {
      if (started) throw new Error('readInto after next');
      started = true;
      groups.forEach((_, g) =>
        features.forEach((f, c) =>
          decode(g, f, (first, v) => {
            const r0 = starts[g] + first;
            if (!rowOf) put(data, v, r0 * cols + c, cols);
            else for (let r = 0; r < v.length; r++) data[rowOf[r0 + r] * cols + c] = value(v[r]);
          }),
        ),
      );
    },
  };
}

const value = (v: unknown) => (v == null ? NaN : Number(v));

/** values[r] into out[at + r·stride] (a null as NaN). */
function put(out: Float32Array, values: DecodedArray, at: number, stride: number): void {
  if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array)
    for (let r = 0; r < values.length; r++) out[at + r * stride] = values[r];
  else for (let r = 0; r < values.length; r++) out[at + r * stride] = value(values[r]);
}

/**
 * The pages of a column chunk of `rows` rows, read and decoded one at a
 * time (a dictionary page kept for the data pages after it). Each page's
 * sizes are checked before its bytes are read or inflated: inside the
 * chunk, at most the rows left, and (numeric columns) an uncompressed size
 * its values can fill.
 */
function pages(
  at: ReadAt,
  chunk: { dictionary_page_offset?: bigint; data_page_offset: bigint; total_compressed_size: bigint },
  decoder: ColumnDecoder,
  rows: number,
  numeric: boolean,
  onPage: (first: number, values: DecodedArray) => void,
): void {
  const view = (b: Uint8Array) => ({ view: new DataView(b.buffer, b.byteOffset, b.byteLength), offset: 0 });
  let pos = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
  const end = pos + Number(chunk.total_compressed_size);
  let dictionary: DecodedArray | undefined,
    done = 0;
  while (done < rows) {
    if (pos >= end) throw new Error(`${done} values for ${rows} rows`);
    let header: PageHeader | undefined,
      body = 0;
    for (let window = HEADER_BYTES; !header; window *= 16) {
      const reader = view(at(pos, Math.min(end, pos + window)));
      try {
        header = parquetHeader(reader);
        body = pos + reader.offset;
      } catch (e) {
        if (pos + window >= end) throw e;
      }
    }
    const next = body + header.compressed_page_size;
    if (!(header.compressed_page_size >= 0 && next <= end)) throw new Error('a page runs past its column chunk');
    const count =
      header.data_page_header?.num_values ??
      header.data_page_header_v2?.num_rows ??
      header.dictionary_page_header?.num_values ??
      0;
    const dictionaryPage = header.type === 'DICTIONARY_PAGE';
    if (!dictionaryPage && !(count >= 0 && count <= rows - done))
      throw new Error(`a page of ${count} values with ${rows - done} rows left`);
    if (numeric && !(header.uncompressed_page_size <= 16 * Math.min(count, rows) + 2 ** 16))
      throw new Error(`a page of ${count} values claims ${header.uncompressed_page_size} bytes`);
    if (dictionaryPage || header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
      const { data } = readPage(view(at(body, next)), header, decoder, dictionary, undefined, 0);
      if (dictionaryPage) dictionary = data && convert(data, decoder);
      else if (data) {
        if (data.length !== count) throw new Error(`a page of ${count} values decodes to ${data.length}`);
        onPage(done, data);
        done += data.length;
      }
    } // other pages (an index page) carry no values
    pos = next;
  }
}

// Small Parquet files for the readers' tests: one written by
// hyparquet-writer, and copies of a file with its footer or its first page
// header rewritten (hostile metadata over honest data).

import { parquetMetadata, type FileMetaData, type PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { ByteWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';

/** A Parquet file of float32 columns, one row group. */
export function floatParquet(columns: Record<string, number[]>): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: Object.entries(columns).map(([name, v]) => ({ name, data: Float32Array.from(v), type: 'FLOAT' })),
    }),
  );
}

/** `file` with its footer's metadata changed by `edit` (the column chunks stay where they are). */
export function withFooter(file: Uint8Array, edit: (meta: FileMetaData) => void): Uint8Array {
  const footer = new DataView(file.buffer, file.byteOffset).getUint32(file.length - 8, true);
  const meta = parquetMetadata(file.slice().buffer);
  edit(meta);
  const w = new ByteWriter();
  w.appendBytes(file.subarray(0, file.length - 8 - footer));
  const start = w.offset;
  writeMetadata(w, meta);
  w.appendUint32(w.offset - start);
  w.appendUint32(0x31524150); // PAR1
  return new Uint8Array(w.getBuffer());
}

/** `file` (one column chunk) with its first page's header changed by `edit`; the footer's chunk sizes follow the header's length. */
export function withPageHeader(file: Uint8Array, edit: (header: PageHeader) => void): Uint8Array {
  const chunk = parquetMetadata(file.slice().buffer).row_groups[0].columns[0].meta_data!,
    start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
  const reader = { view: new DataView(file.buffer, file.byteOffset, file.byteLength), offset: start },
    header = parquetHeader(reader);
  edit(header);
  const w = new ByteWriter();
  writePageHeader(w, header);
  const bytes = new Uint8Array(w.getBuffer()),
    delta = BigInt(bytes.length - (reader.offset - start));
  const spliced = new Uint8Array([...file.subarray(0, start), ...bytes, ...file.subarray(reader.offset)]);
  return withFooter(spliced, (meta) => {
    const m = meta.row_groups[0].columns[0].meta_data!;
    m.total_compressed_size += delta;
    m.total_uncompressed_size += delta;
  });
}

// Small Parquet files for the readers' tests: one written by
// hyparquet-writer, and a copy of a file with its footer rewritten (a
// hostile footer over honest column chunks).

import { parquetMetadata, type FileMetaData } from 'hyparquet';
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

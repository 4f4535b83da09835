// Arrow IPC files and streams through apache-arrow: one numeric column
// (float or integer) per feature, nulls read as NaN (a row of nulls is a
// missing view), and optionally an ID column (strings, dictionary-encoded
// strings or integers). The file is fed to arrow's synchronous reader a
// chunk of bytes at a time and read twice: a first pass learns the schema,
// every record batch's row count and the IDs, a second decodes one batch
// at a time into rows.

import { RecordBatchReader, Type, type RecordBatch, type Schema } from 'apache-arrow';
import { VALUE_LABELS } from './labels.ts';
import { InputError } from '../errors.ts';
import { groupedRows, type MatrixFile, type RowSource } from './row-source.ts';
import { checkIds } from './sample-ids.ts';

const CHUNK_BYTES = 1 << 20;
const FILE_MAGIC = 'ARROW1';

/** The rows of an Arrow IPC file (or stream) `size` bytes long, with its IDs from column `idColumn`. */
export function arrowRows({ at, size, name, idColumn, idLabel = VALUE_LABELS.idColumn }: MatrixFile): RowSource {
  const bad = (what: string) => new InputError(`${name}: not a readable Arrow IPC file: ${what}`);
  const head = at(0, 8);
  const file = new TextDecoder().decode(head.subarray(0, 6)) === FILE_MAGIC;
  const stream = head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff;
  if (!file && !stream) throw bad('missing the ARROW1 magic (or a stream continuation marker)');
  function* bytes() {
    for (let pos = 0; pos < size; pos += CHUNK_BYTES) yield at(pos, pos + CHUNK_BYTES);
  }
  const batches = (): Iterator<RecordBatch> => {
    try {
      const reader = RecordBatchReader.from(bytes());
      return reader[Symbol.iterator]();
    } catch (e) {
      throw bad((e as Error).message);
    }
  };
  const step = (it: Iterator<RecordBatch>): RecordBatch | undefined => {
    try {
      const r = it.next();
      return r.done ? undefined : r.value;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw bad(`${(e as Error).message} (truncated?)`);
    }
  };

  // First pass: the schema, each batch's rows, the IDs.
  const sizes: number[] = [];
  let schema: Schema | undefined, ids: string[] | undefined;
  for (let it = batches(), b; (b = step(it));) {
    schema ??= b.schema;
    sizes.push(b.numRows);
    if (idColumn !== undefined) {
      const v = b.getChild(idColumn);
      if (v) for (let r = 0; r < b.numRows; r++) (ids ??= []).push(v.get(r) == null ? '' : String(v.get(r)));
    }
  }
  if (!schema) throw bad('no record batches');
  const fields = schema.fields;
  if (idColumn !== undefined && !fields.some((f) => f.name === idColumn))
    throw new InputError(
      `${name}: no column '${idColumn}' (${idLabel}); the columns are ${fields
        .slice(0, 8)
        .map((f) => f.name)
        .join(', ')}`,
    );
  const features = fields.filter((f) => f.name !== idColumn);
  const other = features.find((f) => f.typeId !== Type.Float && f.typeId !== Type.Int);
  if (other)
    throw new InputError(
      `${name}: column '${other.name}' is ${other.type}, not a number${idColumn === undefined ? `; if it holds sample IDs, name it as ${idLabel}` : ''}`,
    );
  if (idColumn !== undefined) checkIds((ids ??= []), name);
  const cols = features.length;

  // Second pass: one batch at a time.
  const it = batches();
  return groupedRows(
    sizes,
    cols,
    (g, out) => {
      const b = step(it);
      if (!b || b.numRows !== sizes[g]) throw new InputError(`${name}: changed while being read`);
      features.forEach((f, c) => {
        const v = b.getChild(f.name)!;
        if (v.nullCount === 0) {
          const values = v.toArray() as ArrayLike<number | bigint>;
          for (let r = 0; r < b.numRows; r++) out[r * cols + c] = Number(values[r]);
        } else
          for (let r = 0; r < b.numRows; r++) {
            const x = v.get(r);
            out[r * cols + c] = x == null ? NaN : Number(x);
          }
      });
    },
    ids,
  );
}

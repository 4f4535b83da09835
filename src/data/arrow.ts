// Arrow IPC files and streams through apache-arrow: one numeric column
// (float or integer) per feature, nulls read as NaN (a row of nulls is a
// missing view), and optionally an ID column (strings, dictionary-encoded
// strings or integers). The file is fed to arrow's synchronous reader a
// chunk of bytes at a time and read twice: a first pass learns the schema,
// every record batch's row count and the IDs, a second decodes one batch
// at a time into rows. Arrow takes a batch's stated length on trust (its
// buffers are views of the message body, never compared with it), so the
// first pass checks every column's buffers against it before any row is
// used, and a file's footer blocks lie inside the file, each once.

import { RecordBatchReader, Type, type Data, type RecordBatch, type Schema } from 'apache-arrow';
import { VALUE_LABELS } from './labels.ts';
import { InputError, quoted } from '../errors.ts';
import { checkExtents, groupedRows, tableColumns, type MatrixFile, type RowSource } from './row-source.ts';
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
  const open = () => {
    try {
      return RecordBatchReader.from(bytes()).open();
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

  // The schema and the footer's blocks, before any batch is read.
  const first = open(),
    schema: Schema | undefined = first.schema;
  if (!schema) throw bad('no schema');
  if (first.footer) {
    const { footer } = first,
      blocks = [...footer.dictionaryBatches(), ...footer.recordBatches()];
    checkExtents(
      blocks.flatMap((b, i) => {
        const what =
          i < footer.numDictionaries ? `dictionary batch ${i + 1}` : `record batch ${i + 1 - footer.numDictionaries}`;
        return b ? [{ start: b.offset, end: b.offset + b.metaDataLength + b.bodyLength, what }] : [];
      }),
      8,
      size,
      name,
    );
  }
  const fields = schema.fields;
  const { features } = tableColumns(
    fields.map((f) => ({ name: f.name, type: String(f.type), typeId: f.typeId })),
    (c) => c.typeId === Type.Float || c.typeId === Type.Int,
    { name, idColumn, idLabel },
  );

  // First pass: each batch's buffers against its stated rows, then its rows and IDs.
  const sizes: number[] = [];
  let ids: string[] | undefined;
  for (let it = first[Symbol.iterator](), b; (b = step(it));) {
    for (const f of fields) {
      const lack = shortfall(b.getChild(f.name)!.data[0], b.numRows);
      if (lack)
        throw bad(
          `record batch ${sizes.length + 1} states ${b.numRows} rows, but column ${quoted(f.name)} holds ${lack}`,
        );
    }
    sizes.push(b.numRows);
    if (idColumn !== undefined) {
      const v = b.getChild(idColumn)!;
      for (let r = 0; r < b.numRows; r++) (ids ??= []).push(v.get(r) == null ? '' : String(v.get(r)));
    }
  }
  if (!sizes.length) throw bad('no record batches');
  if (idColumn !== undefined) checkIds((ids ??= []), name);
  const cols = features.length;

  // Second pass: one batch at a time.
  const it = open()[Symbol.iterator]();
  const source = groupedRows(
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
  return { ...source, columns: features.map((f) => f.name) };
}

/**
 * What a column's buffers hold when they hold less than `rows` values, or
 * undefined: its length, its validity bitmap (when it has one), its values
 * (fixed-width) or its offsets and the bytes they reach (strings).
 */
function shortfall(d: Data, rows: number): string | undefined {
  const n = d.offset + d.length;
  if (d.length !== rows) return `${d.length} values`;
  if (d.nullBitmap?.length && d.nullBitmap.length < Math.ceil(n / 8))
    return `a validity bitmap for ${8 * d.nullBitmap.length}`;
  const stored = d.values?.length ?? 0;
  if (!d.valueOffsets) return stored < n * d.stride ? `values for ${Math.floor(stored / d.stride)}` : undefined;
  if (d.valueOffsets.length < n + 1) return `offsets for ${Math.max(0, d.valueOffsets.length - 1)}`;
  const end = Number(d.valueOffsets[n]);
  return stored < end ? `${stored} bytes of text where its offsets reach ${end}` : undefined;
}

// The protobuf wire format for the part of ONNX jpvae writes and reads
// (onnx-schema.ts): varints, strings, bytes, nested and repeated messages,
// packed repeated integers. A page that only trains or only imputes
// should not carry a general protobuf library for it; this is all the
// exporter and the jpvae-wasm engine need.
//
// encode writes the fields an object sets (not undefined or null), in
// field-number order, as the protobuf encoders do; decode fills every
// field of the schema, absent ones with proto3's defaults (0, '', empty
// bytes, []), leaving absent messages undefined, and skips unknown fields.

/** A message's fields: its number, wire kind (a schema for a nested message) and whether repeated. */
export interface Field {
  id: number;
  name: string;
  kind: 'varint' | 'string' | 'bytes' | Schema;
  repeated?: boolean;
}
export type Schema = readonly Field[];
type Message = Record<string, unknown>;

const utf8 = new TextEncoder(),
  fromUtf8 = new TextDecoder();

class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.length, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  /** A non-negative integer up to 2^53, 7 bits a byte (arithmetic, not 32-bit shifts). */
  varint(v: number): void {
    if (!(Number.isInteger(v) && v >= 0)) throw new Error(`onnx: ${v} is not a non-negative integer`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const LEN = 2; // wire type of strings, bytes, messages and packed lists

function writeMessage(w: Writer, schema: Schema, m: Message): void {
  for (const f of [...schema].sort((a, b) => a.id - b.id)) {
    const v = m[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated && f.kind === 'varint') {
      const list = new Writer(); // packed, proto3's default for repeated integers
      for (const x of v as number[]) list.varint(x);
      w.varint(f.id * 8 + LEN);
      w.bytes(list.done());
      continue;
    }
    for (const x of f.repeated ? (v as unknown[]) : [v]) {
      w.varint(f.id * 8 + (f.kind === 'varint' ? 0 : LEN));
      if (f.kind === 'varint') w.varint(x as number);
      else if (f.kind === 'string') w.bytes(utf8.encode(x as string));
      else if (f.kind === 'bytes') w.bytes(x as Uint8Array);
      else w.bytes(encode(f.kind, x as Message));
    }
  }
}

/** The message `m` (field names as the schema's) as protobuf bytes. */
export function encode(schema: Schema, m: Message): Uint8Array {
  const w = new Writer();
  writeMessage(w, schema, m);
  return w.done();
}

class Reader {
  at = 0;
  constructor(private readonly b: Uint8Array) {}

  varint(): number {
    let v = 0,
      scale = 1;
    for (;;) {
      if (this.at >= this.b.length) throw new Error('onnx: the file ends inside a number');
      const byte = this.b[this.at++];
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 63) throw new Error('onnx: a number longer than 10 bytes');
    }
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (this.at + n > this.b.length) throw new Error('onnx: a field runs past the end of the file');
    return this.b.subarray(this.at, (this.at += n));
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.at += 8;
    else if (wire === LEN) this.bytes();
    else if (wire === 5) this.at += 4;
    else throw new Error(`onnx: unknown wire type ${wire}`);
  }

  get done(): boolean {
    return this.at >= this.b.length;
  }
}

/** The message of `schema` in `bytes`, with proto3's defaults for fields it does not hold. */
export function decode(schema: Schema, bytes: Uint8Array): Message {
  const m: Message = {},
    byId = new Map(schema.map((f) => [f.id, f]));
  for (const f of schema)
    if (f.repeated) m[f.name] = [];
    else if (f.kind === 'varint') m[f.name] = 0;
    else if (f.kind === 'string') m[f.name] = '';
    else if (f.kind === 'bytes') m[f.name] = new Uint8Array(0);
  const r = new Reader(bytes);
  while (!r.done) {
    const key = r.varint(),
      f = byId.get(Math.floor(key / 8)),
      wire = key % 8;
    if (!f) {
      r.skip(wire);
      continue;
    }
    const put = (v: unknown) => (f.repeated ? (m[f.name] as unknown[]).push(v) : (m[f.name] = v));
    if (f.kind === 'varint') {
      if (wire === LEN) {
        const packed = new Reader(r.bytes()); // packed or not, as either may be written
        while (!packed.done) put(packed.varint());
      } else put(r.varint());
    } else if (wire !== LEN) throw new Error(`onnx: field ${f.name} has wire type ${wire}, expected 2`);
    else if (f.kind === 'string') put(fromUtf8.decode(r.bytes()));
    else if (f.kind === 'bytes') put(r.bytes());
    else put(decode(f.kind, r.bytes()));
  }
  return m;
}

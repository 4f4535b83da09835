// safetensors (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape,
// data_offsets}}, then the raw little-endian tensor bytes. Written by hand:
// the format is twenty lines, and PyTorch, JAX and numpy users load it
// directly.

import { Fields } from './fields.ts';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the payload 8-aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** The format's own bound on the header (the safetensors reference refuses larger ones). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The header length of a file starting with `first8`, checked against its size; `name` prefixes errors. */
export function headerLength(first8: Uint8Array, fileSize: number, name: string): number {
  const f = new Fields(name);
  if (first8.length < 8 || fileSize < 8) f.fail('header length', 'the file is shorter than its 8-byte header length');
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, fileSize - 8)))
    f.fail('header length', `${n} bytes runs past the end of the file (${fileSize} bytes; truncated?)`);
  return Number(n);
}

/**
 * Checks everything before copying anything: the header's bounds, each
 * tensor's dtype (F32), shape and data_offsets, and that the tensors tile
 * the payload exactly (in range, no overlap, no gap: the format's rule);
 * then copies the data and checks every value is finite.
 */
export function decodeSafetensors(
  buf: Uint8Array,
  name: string,
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const f = new Fields(name);
  const headLen = headerLength(buf.subarray(0, 8), buf.length, name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headLen)));
  } catch {
    f.fail('header', 'is not JSON (a wrong header length?)');
  }
  const header = f.object(parsed, 'header');
  const payload = buf.subarray(8 + headLen);
  const metadata: Record<string, string> = {};
  const spans: { key: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      for (const [k, x] of Object.entries(f.object(value, '__metadata__')))
        metadata[k] = f.string(x, `__metadata__.${k}`);
      continue;
    }
    const path = `tensor '${key}'`,
      info = f.object(value, path);
    if (info.dtype !== 'F32') f.expected(`${path}.dtype`, "'F32'", info.dtype);
    const shape = f.array(info.shape, `${path}.shape`).map((d, i) => f.int(d, `${path}.shape[${i}]`, 0, 2 ** 31));
    const [begin, end] = f
      .array(info.data_offsets, `${path}.data_offsets`, 2)
      .map((x, i) => f.int(x, `${path}.data_offsets[${i}]`, 0));
    if (end > payload.length)
      f.fail(
        `${path}.data_offsets`,
        `[${begin}, ${end}] run past the end of the ${payload.length}-byte payload (truncated?)`,
      );
    const bytes = shape.reduce((a, b) => a * b, 4);
    if (end - begin !== bytes)
      f.fail(
        `${path}.data_offsets`,
        `[${begin}, ${end}] hold ${end - begin} bytes, but shape [${shape}] of F32 needs ${bytes}`,
      );
    spans.push({ key, shape, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin !== at)
      f.fail(
        `tensor '${s.key}'.data_offsets`,
        s.begin < at ? `[${s.begin}, ${s.end}] overlaps the tensor before it` : `leave bytes ${at}..${s.begin} unused`,
      );
    at = s.end;
  }
  if (at !== payload.length) f.fail('data_offsets', `the tensors cover ${at} of the ${payload.length} payload bytes`);
  const tensors = new Map<string, Tensor>();
  for (const s of spans) {
    const data = new Float32Array((s.end - s.begin) / 4);
    new Uint8Array(data.buffer).set(payload.subarray(s.begin, s.end));
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) f.fail(`tensor '${s.key}'`, `element ${bad} is ${data[bad]}; expected finite values`);
    tensors.set(s.key, { shape: s.shape, data });
  }
  return { tensors, metadata };
}

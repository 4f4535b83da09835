// safetensors (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape,
// data_offsets}}, then the raw little-endian tensor bytes. Written by hand:
// the format is twenty lines, and PyTorch, JAX and numpy users load it
// directly.

import { InputError } from '../errors.ts';

export interface Tensor { shape: number[]; data: Float32Array }

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

export function decodeSafetensors(buf: Uint8Array, name: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const bad = (what: string) => new InputError(`${name}: not a valid safetensors file: ${what}`);
  if (buf.length < 8) throw bad('shorter than its 8-byte header length');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headLen = Number(view.getBigUint64(0, true));
  if (headLen > buf.length - 8) throw bad('header runs past the end of the file (truncated?)');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try { header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headLen))); } catch { throw bad('header is not JSON'); }
  const payload = buf.subarray(8 + headLen);
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [key, info] of Object.entries(header)) {
    if (key === '__metadata__') { metadata = info as unknown as Record<string, string>; continue; }
    if (info.dtype !== 'F32') throw bad(`tensor ${key} has dtype ${info.dtype}, expected F32`);
    const [begin, end] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || end > payload.length) throw bad(`tensor ${key} lies outside the file (truncated?)`);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(payload.subarray(begin, end));
    tensors.set(key, { shape: info.shape, data });
  }
  return { tensors, metadata };
}

// Reading an export directory (a URL: http(s), or file: in Node) as the
// runtime's worker does: every byte that arrives is bounded and checked
// before it is used. manifest.json is refused past MANIFEST_LIMIT; a graph
// is named by a plain file name inside the directory (never a path that
// leaves it), has the size and CRC-32 the manifest records (format 6 on),
// and is read no further than that size; covariates (format 7) are unique
// names with unique text categories, as model.json's are.

import { crc32Hex } from '../io/crc32.ts';
import { snakeCaseKeys } from '../io/json-keys.ts';
import { newerFormatLine } from '../io/format-version.ts';
import { checkCovariates } from '../data/covariates.ts';
import { EXPORT_FORMAT, imputersOf, MANIFEST, READABLE_EXPORT_VERSIONS, type Manifest } from '../onnx/manifest.ts';

/** The largest manifest.json read (a Gaussian view's standardisation and noise take ~60 bytes per feature). */
export const MANIFEST_LIMIT = 64 * 2 ** 20;
/** The largest graph of an export without recorded sizes (before format 6): protobuf's own limit. */
const GRAPH_LIMIT = 2 ** 31 - 1;
/** A graph file's name: letters, digits, '_', '-' and '.', not starting with '.'. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** At most `limit` bytes at `url` (refused, not truncated, past it). */
async function readBytes(url: URL, limit: number): Promise<Uint8Array> {
  const tooBig = (size: number) => new Error(`${url}: ${size} bytes, more than the ${limit} expected`);
  const fs = url.protocol === 'file:' ? globalThis.process?.getBuiltinModule?.('node:fs') : undefined;
  if (fs) {
    const size = (await fs.promises.stat(url)).size;
    if (size > limit) throw tooBig(size);
    return new Uint8Array(await fs.promises.readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    void res.body?.cancel();
    throw tooBig(declared);
  }
  // The body streamed and counted: a server may send more than it declared, or declare nothing.
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body!.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.length;
    if (size > limit) {
      void reader.cancel();
      throw tooBig(size);
    }
    parts.push(r.value);
  }
  const out = new Uint8Array(size);
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The manifest in snake_case (version 3 on is written so; version 2's camelCase is respelt), its format checked. */
function checkManifest(parsed: unknown, url: URL): Manifest {
  const m = snakeCaseKeys(parsed) as Manifest;
  if (m?.format !== EXPORT_FORMAT) throw new Error(`${url}: not a jpvae export manifest`);
  const newest = Math.max(...READABLE_EXPORT_VERSIONS);
  if (typeof m.format_version === 'number' && m.format_version > newest)
    throw new Error(newerFormatLine(`${url}`, m.format_version, newest));
  if (!READABLE_EXPORT_VERSIONS.includes(m.format_version))
    throw new Error(
      `${url}: export format version ${m.format_version}; this jpvae reads versions ${READABLE_EXPORT_VERSIONS.join(', ')}: export the model again with it`,
    );
  if (!Array.isArray(m.views) || !m.graphs || typeof m.graphs !== 'object')
    throw new Error(`${url}: the manifest has no views or no graphs`);
  const covariates = m.covariates;
  if (covariates !== undefined) {
    if (!Array.isArray(covariates) || !covariates.every((c) => Array.isArray(c?.categories)))
      throw new Error(`${url}: covariates: expected a list of { name, categories }`);
    checkCovariates(covariates, `${url}: covariates`);
  }
  return m;
}

/** Graph `name`'s file in the directory `base`, checked to be a plain name the manifest lists. */
function graphUrl(m: Manifest, name: string, base: string): URL {
  const file = m.graphs[name]?.file;
  if (typeof file !== 'string' || !PLAIN_NAME.test(file))
    throw new Error(
      `${new URL(MANIFEST, base)}: graph ${name}'s file ${JSON.stringify(file)} is not a plain file name inside the export directory; refusing to open it`,
    );
  return new URL(file, base);
}

/** A graph's bytes, read no further than its recorded size and checked against its size and CRC-32 (format 6 on). */
async function readGraph(m: Manifest, name: string, base: string): Promise<Uint8Array> {
  const url = graphUrl(m, name, base),
    { bytes, crc32 } = m.graphs[name];
  const data = await readBytes(url, bytes ?? GRAPH_LIMIT);
  if (bytes !== undefined && (data.length !== bytes || crc32Hex(data) !== crc32))
    throw new Error(
      `${url}: ${data.length} bytes with CRC-32 ${crc32Hex(data)}, but the manifest says ${bytes} bytes with CRC-32 ${crc32}: the file was changed or damaged; export the model again`,
    );
  return data;
}

/**
 * The manifest under `base` (a directory URL ending in '/'), with the
 * imputers listed (a version 2 or 3 manifest makes its two), and the bytes
 * of every imputer's two graphs, mean then sampler, in the list's order.
 */
export async function readExport(base: string): Promise<{ manifest: Manifest; graphs: Uint8Array[] }> {
  const url = new URL(MANIFEST, base);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(await readBytes(url, MANIFEST_LIMIT)));
  } catch (e) {
    throw e instanceof SyntaxError ? new Error(`${url}: not JSON (${e.message})`) : e;
  }
  const read = checkManifest(parsed, url);
  const manifest: Manifest = { ...read, imputers: imputersOf(read) };
  const graphs = await Promise.all(
    manifest.imputers.flatMap((i) => [i.mean, i.sample]).map((g) => readGraph(manifest, g, base)),
  );
  return { manifest, graphs };
}

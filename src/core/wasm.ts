// The wasm backend: instantiate one of the AssemblyScript builds and wrap
// its memory in a Heap. Kernel exports take element indices, exactly like
// the Kernels methods, so they are handed out as they are: a training step
// is a handful of direct wasm calls, nothing marshalled.
//
// No @assemblyscript/loader and no asc bindings: every export takes and
// returns plain numbers, so WebAssembly.instantiate is all the glue needed.
//
// Loading works in Node, browsers, workers and bundles: the builds are
// found by `new URL('…wasm', import.meta.url)` (bundlers that understand
// the pattern copy the files), or given as a URL or bytes to initWasm.
// Browsers must `await initWasm()` before createKernels('wasm…'); Node
// can also read the files synchronously on first use. Node modules are
// reached through process.getBuiltinModule, never imported, so no bundle
// sees them.
//
// Each build has a threads variant (`simd-threads`, `relaxed-threads`): the
// same kernels on an imported shared memory, so that several instances,
// one per thread, work on one heap (src/threads/).

import { Heap, wasmStorage } from './heap.ts';
import { kernelTable, type Kernels, type KernelFunction } from './kernels.ts';
import { orUndefined, SetupError } from '../errors.ts';

export type WasmBuild = 'simd' | 'relaxed';
/** A build, or its threads variant. */
export type WasmVariant = WasmBuild | `${WasmBuild}-threads`;

/** A build's bytes, or where to fetch them (a URL, or a string one). */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView;

/** The builds' default places, beside the package (build/ at its root serves src/core and dist/core alike), as literal URLs, which bundlers recognise. */
const DEFAULT_URLS: Record<WasmVariant, () => URL> = {
  simd: () => new URL('../../build/simd.wasm', import.meta.url),
  relaxed: () => new URL('../../build/relaxed.wasm', import.meta.url),
  'simd-threads': () => new URL('../../build/simd-threads.wasm', import.meta.url),
  'relaxed-threads': () => new URL('../../build/relaxed-threads.wasm', import.meta.url),
};

/** Compiled builds; null records a build this engine rejects. */
const compiled = new Map<WasmVariant, WebAssembly.Module | null>();

type NodeBuiltins = { fs: typeof import('node:fs'); v8: typeof import('node:v8'); url: typeof import('node:url') };
function nodeBuiltins(): NodeBuiltins | undefined {
  const get = typeof process !== 'undefined' ? process.getBuiltinModule : undefined;
  return get ? { fs: get('node:fs'), v8: get('node:v8'), url: get('node:url') } : undefined;
}

/** Does this engine accept a build's bytes? (Node 20 validates relaxed-simd only behind a V8 flag, set first.) */
function validates(build: WasmVariant, bytes: Uint8Array<ArrayBuffer>): boolean {
  if (build.startsWith('relaxed')) nodeBuiltins()?.v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

const toBytes = (s: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> =>
  s instanceof ArrayBuffer
    ? new Uint8Array(s)
    : new Uint8Array(s.buffer as ArrayBuffer, s.byteOffset, s.byteLength).slice();

const missing = (build: WasmVariant, where: string) =>
  new Error(
    `wasm build '${build}' not found at ${where}: in a checkout run 'npm run build'; in a bundle pass its URL or bytes to initWasm({ ${build}: … })`,
  );

/** A build's default file, read synchronously (Node only). */
function readDefaultSync(build: WasmVariant): Uint8Array<ArrayBuffer> {
  const node = nodeBuiltins(),
    url = DEFAULT_URLS[build]();
  if (!node || url.protocol !== 'file:') {
    throw new Error(
      `wasm build '${build}' is not loaded: call 'await initWasm()' before createKernels (outside Node the bytes are fetched asynchronously)`,
    );
  }
  try {
    return new Uint8Array(node.fs.readFileSync(url));
  } catch {
    throw missing(build, node.url.fileURLToPath(url));
  }
}

async function fetchBytes(build: WasmVariant, source: WasmSource | undefined): Promise<Uint8Array<ArrayBuffer>> {
  if (source !== undefined && typeof source !== 'string' && !(source instanceof URL)) return toBytes(source);
  const url =
    source === undefined
      ? DEFAULT_URLS[build]()
      : new URL(source, typeof location !== 'undefined' ? location.href : undefined);
  const node = nodeBuiltins();
  if (url.protocol === 'file:' && node) {
    try {
      return new Uint8Array(await node.fs.promises.readFile(url));
    } catch {
      throw missing(build, node.url.fileURLToPath(url));
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw missing(build, `${url} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Fetch and compile the wasm builds (both by default; `builds` to choose),
 * from their default URLs or the URLs or bytes given. Needed before
 * createKernels in browsers and workers; optional in Node. A build already
 * compiled is kept unless a source is given for it.
 */
export async function initWasm(
  sources: Partial<Record<WasmVariant, WasmSource>> = {},
  builds: WasmVariant[] = ['simd', 'relaxed'],
): Promise<void> {
  await Promise.all(
    builds
      .filter((b) => sources[b] !== undefined || !compiled.has(b))
      .map(async (build) => {
        const bytes = await fetchBytes(build, sources[build]);
        compiled.set(build, validates(build, bytes) ? await WebAssembly.compile(bytes) : null);
      }),
  );
}

function moduleOf(build: WasmVariant): WebAssembly.Module | null {
  if (!compiled.has(build)) {
    const bytes = readDefaultSync(build);
    compiled.set(build, validates(build, bytes) ? new WebAssembly.Module(bytes) : null);
  }
  return compiled.get(build)!;
}

/** Is a build compiled and accepted by this engine (compiled by initWasm, or, in Node, readable now)? */
export function buildReady(build: WasmVariant): boolean {
  return !!orUndefined(() => moduleOf(build));
}

/** Does this engine accept the relaxed-simd build? */
export const relaxedAvailable = (): boolean => buildReady('relaxed');

/** The best build the engine validates, unless one is asked for. */
export const pickBuild = (): WasmBuild => (relaxedAvailable() ? 'relaxed' : 'simd');

/** The memory and module of a threads variant's kernels: what another thread needs to join them (src/threads/). */
export interface SharedWasm {
  build: WasmBuild;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** Pages of a shared memory: its maximum must be declared up front (asconfig.json's maximumMemory: all of wasm32). */
const SHARED_INITIAL_PAGES = 16,
  SHARED_MAXIMUM_PAGES = 65536;

/** Can this engine make a shared wasm memory? (Browsers: only on a cross-origin isolated page, COOP/COEP.) */
export function sharedMemoryAvailable(): boolean {
  return !!orUndefined(
    () => new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer,
  );
}

/**
 * Kernels of a build. With `threads`, its threads variant on a new shared
 * memory, or on `join`'s memory for one more thread of the same kernels:
 * then the heap is a mirror of the owner's from element `mirrorBase` (it
 * hands out the owner's addresses in the owner's order, allocating nothing).
 */
export function createWasmKernels(
  build: WasmBuild = pickBuild(),
  threads?: { join?: SharedWasm; mirrorBase?: number },
): Kernels {
  const variant: WasmVariant = threads ? `${build}-threads` : build;
  const module = threads?.join?.module ?? moduleOf(variant);
  if (!module)
    throw new Error(
      `wasm build '${variant}' does not validate on this engine (it lacks ${build === 'relaxed' ? 'relaxed-simd' : 'wasm SIMD'}${threads ? ' or threads' : ''})`,
    );
  const imported = threads
    ? (threads.join?.memory ??
      new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true }))
    : undefined;
  const instance = new WebAssembly.Instance(module, {
    env: {
      ...(imported ? { memory: imported } : {}),
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  });
  const ex = instance.exports;
  const memory = imported ?? (ex.memory as WebAssembly.Memory);
  const base = threads?.mirrorBase ?? Number((ex.heapBase as () => number)()) / 4;
  const heap = new Heap(wasmStorage(memory), base, threads?.mirrorBase !== undefined);
  const kernels = kernelTable((name) => {
    const f = ex[name];
    if (typeof f !== 'function')
      throw new SetupError(`wasm build '${variant}' lacks kernel ${name}: run npm run build`);
    return f as KernelFunction;
  });
  return {
    name: build === 'relaxed' ? 'wasm-relaxed' : 'wasm-simd',
    heap,
    ...kernels,
    gemmScratchSize: ex.gemmScratchSize as () => number,
    setGemmScratch: ex.setGemmScratch as (p: number) => void,
    ...(threads ? { shared: { build, module, memory } satisfies SharedWasm } : {}),
  };
}

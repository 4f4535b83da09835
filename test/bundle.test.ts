// What a browser app's bundle of jpvae holds (esbuild, platform browser,
// minified): no entry point reaches a node: import (esbuild refuses to
// bundle one for a browser), and an app that imports only fit, or only
// jpvae/runtime, gets no file-format reader it does not call.

import test from 'ava';
import { build } from 'esbuild';

const SRC = new URL('../src/', import.meta.url).pathname;

/** The bundle of `code` (importing from src/), or of a module of src/ as an entry point (a worker): its minified size, and the bytes each package puts in it. */
async function bundle(code: string): Promise<{ bytes: number; packages: Record<string, number> }> {
  const r = await build({
    ...(code.endsWith('.ts')
      ? { entryPoints: [SRC + code] }
      : { stdin: { contents: code, resolveDir: SRC, loader: 'ts' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['onnxruntime-web'], // the runtime's optional peer, loaded when its providers are tried
  });
  const out = Object.values(r.metafile.outputs)[0],
    packages: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'jpvae';
    if (bytesInOutput > 0) packages[name] = (packages[name] ?? 0) + bytesInOutput;
  }
  return { bytes: out.bytes, packages };
}

const READERS = ['apache-arrow', 'hyparquet', 'hyparquet-compressors', 'hyparquet-writer', 'h5wasm', 'pngjs'];

for (const [what, code, leaves] of [
  ['fit alone', "import { fit } from './index.ts'; console.log(fit);", READERS],
  [
    'jpvae/runtime',
    "import { createImputer } from './runtime/imputer.ts'; console.log(createImputer);",
    [...READERS, 'protobufjs'],
  ],
  ["the runtime's worker", 'runtime/worker.ts', READERS],
  ["a training thread's worker", 'threads/web-worker.ts', [...READERS, 'protobufjs']],
] as const) {
  test(`a browser bundle of ${what} reaches no node: import and holds no file-format code it does not call`, async (t) => {
    const { bytes, packages } = await bundle(code);
    t.log(`${bytes} bytes minified: ${JSON.stringify(packages)}`);
    t.deepEqual(
      leaves.filter((p) => p in packages),
      [],
    );
  });
}

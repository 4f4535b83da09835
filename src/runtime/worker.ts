// The imputer's worker (a web Worker in the browser, a worker_threads
// Worker in Node): it owns the engine (onnxruntime sessions or jpvae's own
// graph runner), so no inference runs on the caller's thread. Exposed
// through comlink; see imputer.ts.

import { expose, transfer } from 'comlink';
import { createKernels, initWasm, type WasmBuild } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import { DRAW_KINDS, fillDrawNoise, repeatRows, type DrawKind } from '../impute/impute.ts';
import { camelCaseKeys } from '../io/json-keys.ts';
import { EXPORT_FORMAT, imputerNames, MANIFEST, READABLE_EXPORT_VERSIONS, type Manifest } from '../onnx/manifest.ts';
import { openEngine, type Engine, type ExecutionProvider } from './execution-providers.ts';

export type View = 1 | 2;

async function readBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The parsed manifest with the code's field names (version 3 writes them in snake_case, version 2 in camelCase). */
function checkManifest(parsed: unknown, url: URL): Manifest {
  const m = camelCaseKeys(parsed) as Manifest;
  if (m?.format !== EXPORT_FORMAT) throw new Error(`${url}: not a jpvae export manifest`);
  if (!READABLE_EXPORT_VERSIONS.includes(m.formatVersion))
    throw new Error(
      `${url}: export format version ${m.formatVersion}; this jpvae reads versions ${READABLE_EXPORT_VERSIONS.join(' and ')}: export the model again with it`,
    );
  return m;
}

// Graph order in the engine: the mean imputer and the sampler of view 2, then of view 1.
const GRAPHS = [imputerNames(2).mean, imputerNames(2).sample, imputerNames(1).mean, imputerNames(1).sample];
const graphIndex = (target: View, kind: 'mean' | 'sample') => (target === 2 ? 0 : 2) + (kind === 'sample' ? 1 : 0);

let loaded: { manifest: Manifest; engine: Engine } | undefined;

// onnxruntime-web runs one inference at a time per thread (overlapping
// run() calls fail), so calls that arrive while one runs wait their turn.
let queue: Promise<unknown> = Promise.resolve();
function inTurn<T>(f: () => Promise<T>): Promise<T> {
  const turn = queue.then(f);
  queue = turn.catch(() => {});
  return turn;
}

const api = {
  /**
   * Fetch the manifest and the four imputation graphs under `base` (a
   * directory URL ending in '/'), and open them on the first provider that
   * takes them; `wasm`: where jpvae-wasm finds the wasm builds.
   */
  async load(base: string, providers: ExecutionProvider[], wasm: Partial<Record<WasmBuild, string>> = {}) {
    const url = new URL(MANIFEST, base);
    const manifest = checkManifest(JSON.parse(new TextDecoder().decode(await readBytes(url))), url);
    const models = await Promise.all(GRAPHS.map((g) => readBytes(new URL(manifest.graphs[g].file, base))));
    const { engine, executionProvider, fallbacks } = await openEngine(models, providers, {
      ort: () => import('onnxruntime-web'),
      kernels: async () => {
        await initWasm(wasm);
        return createKernels('wasm');
      },
    });
    await loaded?.engine.release();
    loaded = { manifest, engine };
    return { manifest, executionProvider, fallbacks };
  },

  /**
   * Rows of view `given` in raw units (n×dim) → the other view in raw
   * units. Without `samples`: the mean imputation, n×dim_i. With samples =
   * K: K draws per row from the predictive distribution (the manifest's
   * `draws`), (n·K)×dim_i, row r's draws at rows r·K … r·K+K−1. The noise
   * comes from the seeded generator of jpvae, row by row in the order
   * `jpvae impute --samples K --seed S` uses, so the same seed gives the
   * same draws.
   */
  async impute(
    rows: Float32Array,
    given: View,
    samples?: number,
    seed?: number,
    draws: DrawKind = 'predictive',
  ): Promise<Float32Array> {
    if (!loaded) throw new Error('imputer: load() first');
    if (given !== 1 && given !== 2) throw new Error(`imputer: given must be view 1 or 2, got ${given}`);
    const { manifest, engine } = loaded,
      target = (3 - given) as View;
    const dim = manifest.views[given - 1].dim,
      out = manifest.views[target - 1];
    const n = rows.length / dim,
      k = samples ?? 1;
    if (!Number.isInteger(n))
      throw new Error(`imputer: ${rows.length} values are not whole rows of view ${given} (${dim} features each)`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`imputer: samples must be a positive integer, got ${samples}`);
    if (!DRAW_KINDS.includes(draws)) throw new Error(`imputer: draws must be predictive or latent, got ${draws}`);
    const x = `x${given}`,
      y = `x${target}`;
    let result: Record<string, Float32Array>;
    if (samples === undefined) {
      result = await inTurn(() => engine.run(graphIndex(target, 'mean'), { [x]: rows }, n));
    } else {
      const rng = new Rng(seed ?? Math.floor(Math.random() * 2 ** 32)),
        gaussian = out.likelihood.kind === 'gaussian';
      const eps = new Float32Array(n * k * out.latent),
        noise = gaussian ? new Float32Array(n * k * out.dim) : null;
      // Latent-only draws feed the sampler zero observation noise and draw none (as jpvae impute --draws latent).
      fillDrawNoise(() => rng.normal(), n * k, eps, out.latent, draws === 'predictive' ? noise : null, out.dim);
      const feeds = {
        [x]: repeatRows(rows, n, dim, k),
        [`eps${target}`]: eps,
        ...(noise ? { [`noise${target}`]: noise } : {}),
      };
      result = await inTurn(() => engine.run(graphIndex(target, 'sample'), feeds, n * k));
    }
    return transfer(result[y], [result[y].buffer]);
  },
};

export type WorkerApi = typeof api;

// The worker's end of the channel: in Node the port imputer.ts handed over, in a browser the worker's global scope.
if (typeof process !== 'undefined' && process.versions?.node) {
  const { workerData } = await import('node:worker_threads');
  expose(api, workerData.port);
} else {
  expose(api);
}

// The imputer's worker (a web Worker in the browser, a worker_threads
// Worker in Node): it owns the engine (onnxruntime sessions or jpvae's own
// graph runner), so no inference runs on the caller's thread. Exposed
// through comlink; see imputer.ts.

import { expose, transfer } from 'comlink';
import { createKernels, initWasm, type WasmBuild } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import { drawCounts } from '../data/count-draws.ts';
import { DRAW_KINDS, fillDrawNoise, repeatRows, type DrawKind } from '../impute/impute.ts';
import { camelCaseKeys } from '../io/json-keys.ts';
import { isCount } from '../data/likelihood.ts';
import { newerFormatLine } from '../io/format-version.ts';
import {
  EXPORT_FORMAT,
  imputersOf,
  MANIFEST,
  READABLE_EXPORT_VERSIONS,
  type ImputerSpec,
  type Manifest,
} from '../onnx/manifest.ts';
import { openEngine, type Engine, type ExecutionProvider } from './execution-providers.ts';

/** A view's number, 1 to M as in the manifest. */
export type View = number;

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
  const newest = Math.max(...READABLE_EXPORT_VERSIONS);
  if (typeof m.formatVersion === 'number' && m.formatVersion > newest)
    throw new Error(newerFormatLine(`${url}`, m.formatVersion, newest));
  if (!READABLE_EXPORT_VERSIONS.includes(m.formatVersion))
    throw new Error(
      `${url}: export format version ${m.formatVersion}; this jpvae reads versions ${READABLE_EXPORT_VERSIONS.join(' and ')}: export the model again with it`,
    );
  return m;
}

// Graph order in the engine: each imputer's mean graph, then its sampler, in the manifest's order.
let loaded: { manifest: Manifest; imputers: ImputerSpec[]; engine: Engine } | undefined;

/** The views of `given` (1-based, distinct) and the target (default: the one view not given), checked against the export. */
function resolveViews(m: number, given: readonly View[], target: View | undefined): { given: View[]; target: View } {
  const isView = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= m;
  if (!given.length || !given.every(isView) || new Set(given).size !== given.length)
    throw new Error(`imputer: given must be distinct views from 1 to ${m}, got ${given.join(',')}`);
  const rest = Array.from({ length: m }, (_, i) => i + 1).filter((v) => !given.includes(v));
  if (target === undefined) {
    if (rest.length !== 1)
      throw new Error(`imputer: given views ${given.join(',')} leave views ${rest.join(',')}: say which is the target`);
    return { given: [...given], target: rest[0] };
  }
  if (!isView(target) || given.includes(target))
    throw new Error(`imputer: target must be a view from 1 to ${m} that is not given, got ${target}`);
  return { given: [...given], target };
}

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
   * Fetch the manifest and every imputer's two graphs under `base` (a
   * directory URL ending in '/'), and open them on the first provider that
   * takes them; `wasm`: where jpvae-wasm finds the wasm builds.
   */
  async load(base: string, providers: ExecutionProvider[], wasm: Partial<Record<WasmBuild, string>> = {}) {
    const url = new URL(MANIFEST, base);
    const read = checkManifest(JSON.parse(new TextDecoder().decode(await readBytes(url))), url);
    // A version 2 or 3 manifest has no imputers list: the caller sees the one its graphs make.
    const imputers = imputersOf(read),
      manifest: Manifest = { ...read, imputers };
    const models = await Promise.all(
      imputers.flatMap((i) => [i.mean, i.sample]).map((g) => readBytes(new URL(manifest.graphs[g].file, base))),
    );
    const { engine, executionProvider, fallbacks } = await openEngine(models, providers, {
      ort: () => import('onnxruntime-web'),
      kernels: async () => {
        await initWasm(wasm);
        return createKernels('wasm');
      },
    });
    await loaded?.engine.release();
    loaded = { manifest, imputers, engine };
    return { manifest, executionProvider, fallbacks };
  },

  /**
   * Rows of the views `given` in raw units (one n×dim array each, in the
   * order of `given`) → view `target` in raw units. Without `samples`: the
   * mean imputation, n×dim_t. With samples = K: K draws per row from the
   * predictive distribution (the manifest's `draws`), (n·K)×dim_t, row r's
   * draws at rows r·K … r·K+K−1. The noise comes from the seeded generator
   * of jpvae, row by row in the order `jpvae impute --samples K --seed S`
   * uses, so the same seed gives the same draws.
   */
  async impute(
    rows: Float32Array[],
    givenViews: View[],
    targetView?: View,
    samples?: number,
    seed?: number,
    draws: DrawKind = 'predictive',
  ): Promise<Float32Array> {
    if (!loaded) throw new Error('imputer: load() first');
    const { manifest, imputers, engine } = loaded;
    const { given, target } = resolveViews(manifest.views.length, givenViews, targetView);
    if (rows.length !== given.length)
      throw new Error(`imputer: ${rows.length} arrays of rows for ${given.length} given views; give one per view`);
    const key = [...given].sort((a, b) => a - b).join(',');
    const at = imputers.findIndex((i) => i.target === target && i.given.join(',') === key);
    if (at < 0)
      throw new Error(
        `imputer: the export has no imputer of view ${target} from views ${key} ` +
          `(it has ${imputers.map((i) => `${i.target} from ${i.given.join(',')}`).join('; ')}; ` +
          `an export with the subset { given: [${key}], target: ${target} } has it)`,
      );
    const out = manifest.views[target - 1];
    let n = -1;
    given.forEach((g, a) => {
      const dim = manifest.views[g - 1].dim,
        r = rows[a].length / dim;
      if (!Number.isInteger(r))
        throw new Error(`imputer: ${rows[a].length} values are not whole rows of view ${g} (${dim} features each)`);
      if (n >= 0 && r !== n) throw new Error(`imputer: ${r} rows of view ${g}, but ${n} of view ${given[0]}`);
      n = r;
    });
    const k = samples ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new Error(`imputer: samples must be a positive integer, got ${samples}`);
    if (!DRAW_KINDS.includes(draws)) throw new Error(`imputer: draws must be predictive or latent, got ${draws}`);
    const y = `x${target}`;
    let result: Record<string, Float32Array>;
    if (samples === undefined) {
      const feeds = Object.fromEntries(given.map((g, a) => [`x${g}`, rows[a]]));
      result = await inTurn(() => engine.run(2 * at, feeds, n));
    } else {
      // A count view's predictive draws: a count from its Poisson or NB at each decoded latent draw (the
      // sampler's output), drawn from a fork of the seed's stream as the library draws them (impute.ts drawsOf).
      const countsOf = draws === 'predictive' && isCount(out.likelihood);
      if (countsOf && out.likelihood.kind === 'nb' && !out.dispersion)
        throw new Error(
          `imputer: view ${target} is a negative binomial view, but the manifest has no dispersion for it; export the model again`,
        );
      const rng = new Rng(seed ?? Math.floor(Math.random() * 2 ** 32)),
        counts = rng.fork(),
        gaussian = out.likelihood.kind === 'gaussian';
      const eps = new Float32Array(n * k * out.latent),
        noise = gaussian ? new Float32Array(n * k * out.dim) : null;
      // Latent-only draws feed the sampler zero observation noise and draw none (as jpvae impute --draws latent).
      fillDrawNoise(() => rng.normal(), n * k, eps, out.latent, draws === 'predictive' ? noise : null, out.dim);
      const feeds = {
        ...Object.fromEntries(given.map((g, a) => [`x${g}`, repeatRows(rows[a], n, manifest.views[g - 1].dim, k)])),
        [`eps${target}`]: eps,
        ...(noise ? { [`noise${target}`]: noise } : {}),
      };
      result = await inTurn(() => engine.run(2 * at + 1, feeds, n * k));
      if (countsOf) drawCounts(counts, result[y], out.dim, out.likelihood.kind === 'nb' ? out.dispersion! : null);
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

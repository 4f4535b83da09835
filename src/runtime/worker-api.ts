// What the imputer's worker does (exposed through comlink by worker.ts):
// load an export onto an execution provider, and run checked requests
// (request.ts) on it. It owns the engine (onnxruntime sessions or jpvae's
// own graph runner), so no inference runs on the caller's thread.

import { createKernels, initWasm, type WasmBuild } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import { drawCounts } from '../data/count-draws.ts';
import { fillDrawNoise, repeatRows } from '../impute/impute.ts';
import { isCount } from '../data/likelihood.ts';
import { designWidth } from '../data/covariates.ts';
import type { Manifest } from '../onnx/manifest.ts';
import { openEngine, type Engine, type ExecutionProvider } from './execution-providers.ts';
import { readExport } from './read-export.ts';
import type { ImputeRequest } from './request.ts';

/** Where the engines find their wasm: jpvae's builds (jpvae-wasm), and onnxruntime-web's directory (its env.wasm.wasmPaths). */
export interface WasmPlaces {
  jpvae: Partial<Record<WasmBuild, string>>;
  ort?: string;
}

// Graph order in the engine: each imputer's mean graph, then its sampler, in the manifest's order.
let loaded: { manifest: Manifest; engine: Engine } | undefined;

// onnxruntime-web runs one inference at a time per thread (overlapping
// run() calls fail), so calls that arrive while one runs wait their turn.
let queue: Promise<unknown> = Promise.resolve();
function inTurn<T>(f: () => Promise<T>): Promise<T> {
  const turn = queue.then(f);
  queue = turn.catch(() => {});
  return turn;
}

export const api = {
  /**
   * Fetch the manifest and every imputer's two graphs under `base` (a
   * directory URL ending in '/'), checked (read-export.ts), and open them
   * on the first provider that takes them.
   */
  async load(base: string, providers: ExecutionProvider[], wasm: WasmPlaces = { jpvae: {} }) {
    const { manifest, graphs } = await readExport(base);
    const { engine, executionProvider, fallbacks } = await openEngine(graphs, providers, {
      ort: async () => {
        const ort = await import('onnxruntime-web');
        // One thread: this worker is already off the caller's thread, and onnxruntime's own
        // threads would start their workers from a bundle that is not theirs.
        ort.env.wasm.numThreads = 1;
        if (wasm.ort) ort.env.wasm.wasmPaths = wasm.ort;
        return ort;
      },
      kernels: async () => {
        await initWasm(wasm.jpvae);
        return createKernels('wasm');
      },
    });
    await loaded?.engine.release();
    loaded = { manifest, engine };
    return { manifest, executionProvider, fallbacks };
  },

  /**
   * A checked request → the target view in raw units. Without samples: the
   * mean imputation, n×dim_t. With samples = K: K draws per row from the
   * predictive distribution (the manifest's `draws`), (n·K)×dim_t, row r's
   * draws at rows r·K … r·K+K−1. The noise comes from jpvae's seeded
   * generator, row by row in the order `jpvae impute --samples K --seed S`
   * uses, so the same seed gives the same draws.
   */
  async impute({ at, given, target, rows, n, design, samples, seed, draws }: ImputeRequest): Promise<Float32Array> {
    if (!loaded) throw new Error('imputer: load() first');
    const { manifest, engine } = loaded;
    const out = manifest.views[target - 1],
      y = `x${target}`;
    let result: Record<string, Float32Array>;
    if (samples === undefined) {
      const feeds = {
        ...Object.fromEntries(given.map((g, a) => [`x${g}`, rows[a]])),
        ...(design && { covariates: design }),
      };
      result = await inTurn(() => engine.run(2 * at, feeds, n));
    } else {
      const k = samples;
      // A count view's predictive draws: a count from its Poisson or NB at each decoded latent draw (the
      // sampler's output), drawn from a fork of the seed's stream as the library draws them (impute.ts drawsOf).
      const countsOf = draws === 'predictive' && isCount(out.likelihood);
      if (countsOf && out.likelihood.kind === 'nb' && !out.dispersion)
        throw new Error(
          `imputer: view ${target} is a negative binomial view, but the manifest has no dispersion for it; export the model again`,
        );
      const rng = new Rng(seed),
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
        ...(design && { covariates: repeatRows(design, n, designWidth(manifest.covariates), k) }),
      };
      result = await inTurn(() => engine.run(2 * at + 1, feeds, n * k));
      if (countsOf) drawCounts(counts, result[y], out.dim, out.likelihood.kind === 'nb' ? out.dispersion! : null);
    }
    return result[y];
  },
};

export type WorkerApi = typeof api;

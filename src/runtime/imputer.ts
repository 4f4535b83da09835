// createImputer: imputation from an exported model (jpvae export) in a
// worker, through onnxruntime-web (WebGPU or wasm) or jpvae's own wasm
// engine, so the caller's thread (a page's UI thread, a server's event
// loop) never runs inference. Calls are checked here (request.ts) before
// anything goes to the worker; the caller's arrays are copied unless it
// opts into a transfer; every call settles, whatever becomes of the worker.

import { releaseProxy, transfer, wrap } from 'comlink';
import type { Manifest } from '../onnx/manifest.ts';
import { DEFAULT_PROVIDERS, type ExecutionProvider } from './execution-providers.ts';
import type { WorkerApi } from './worker-api.ts';
import { imputeRequest, type ImputeOptions, type View } from './request.ts';
import type { RowsInput } from './rows.ts';
import { startWorker } from './start-worker.ts';
import type { DrawKind } from '../impute/impute.ts';

export type { ExecutionProvider, View, DrawKind, ImputeOptions, RowsInput };
export type { CovariateColumns, UnknownCategory } from '../data/covariate-columns.ts';
export { MANIFEST_LIMIT } from './read-export.ts';
/** What a call with a mistake in its rows or options rejects with (a worker's failure is a plain Error). */
export { InputError } from '../errors.ts';

export interface ImputerOptions {
  /**
   * Tried in order; the first that opens the graphs is used (default webgpu,
   * then wasm). 'jpvae-wasm' runs the graphs on jpvae's own compute core,
   * without loading onnxruntime.
   */
  executionProviders?: ExecutionProvider[];
  /** The worker script, for a bundler that does not follow `new Worker(new URL('./worker.js', import.meta.url))`. Default: worker.js beside this module. */
  workerUrl?: URL;
  /**
   * Where 'jpvae-wasm' finds jpvae's wasm builds (simd.wasm, relaxed.wasm),
   * when not at the package's own build/ (a bundle that copies them
   * elsewhere). The best build the engine validates is used.
   */
  wasm?: { simd?: string | URL; relaxed?: string | URL };
  /**
   * The directory (URL) of onnxruntime-web's wasm files (its env.wasm.wasmPaths), for a bundler
   * that does not copy the ort-wasm-*.wasm file the runtime imports by `new URL(…, import.meta.url)`.
   */
  ortWasmPaths?: string | URL;
}

export interface Imputer {
  readonly manifest: Manifest;
  /** The execution provider the sessions run on. */
  readonly executionProvider: ExecutionProvider;
  /** Why each provider before it was passed over ("webgpu: …"). */
  readonly fallbacks: string[];
  /**
   * Impute a view from the views `given` (a view number, or several for an
   * M-view export). `rows`: the given view's rows, in its own units (as in
   * the files the model was trained on), as the library takes them: a
   * Float32Array of n×dim values, `{ data, width }`, or an array of rows;
   * for a list of given views, one such input per view, in its order. They
   * are checked against the export (width, finite values) and copied: the
   * caller's arrays are never changed; `transfer: true` gives a
   * Float32Array's buffer to the worker instead (it is detached here).
   * `target`: the view to fill in; default the one view not given (for M
   * views it must be named unless every other view is given), and the
   * export must hold that imputer (manifest.imputers; `jpvae export
   * --subsets` adds subsets). Without `samples`: the mean imputation
   * (§2.7), n×dim_t, in the target's own units (probabilities for a
   * Bernoulli view). With samples = K: K draws per row from the model's
   * predictive distribution (manifest.draws), (n·K)×dim_t, each row's
   * draws together, from `seed` (default 1, as the library's impute and
   * `jpvae impute`: the same seed gives the same draws everywhere; pass a
   * new seed per call for fresh draws). A count view's draws are counts
   * from its Poisson or NB, drawn as the library draws them; `draws:
   * 'latent'` leaves a Gaussian view's observation noise or a count view's
   * counts out, as `jpvae impute --draws latent` does. An export of a
   * model with covariates (manifest.covariates) needs each row's category of
   * every covariate, by name (`covariates: { batch: ['A', 'B', …] }`), checked
   * here as the library checks them (a category it does not know is an
   * error, or with `unknownCategory: 'average'` the mean of the known ones).
   * Rejects with one line on a bad input, after close(), or when the
   * worker dies, at once.
   */
  impute(rows: RowsInput | readonly RowsInput[], opts: ImputeOptions): Promise<Float32Array>;
  /** End the worker; a call still running rejects, later calls too. */
  close(): Promise<void>;
}

/** A URL, or in Node also a file path, as an absolute URL string. */
function absoluteUrl(url: string | URL): string {
  if (url instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url).href;
  const nodeUrl = globalThis.process?.getBuiltinModule?.('node:url');
  return nodeUrl ? nodeUrl.pathToFileURL(url).href : new URL(url, location.href).href;
}

/** `url` as an absolute directory URL, ending in '/'. */
function directoryUrl(url: string | URL): string {
  const href = absoluteUrl(url);
  return href.endsWith('/') ? href : `${href}/`;
}

/** Start a worker, load the export directory at `url` into it, and pick the execution provider. */
export async function createImputer(url: string | URL, options: ImputerOptions = {}): Promise<Imputer> {
  const { endpoint, terminate, died } = startWorker(options.workerUrl);
  const remote = wrap<WorkerApi>(endpoint);
  // Why calls can no longer run (closed, or the worker died), and how the running ones learn it.
  let over: Error | undefined,
    stop: (e: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  died.catch((e: Error) => {
    over ??= e;
    stop(e);
  });
  const running = <T>(call: Promise<T>): Promise<T> => Promise.race([call, stopped]);
  try {
    const jpvae = Object.fromEntries(
      Object.entries(options.wasm ?? {}).flatMap(([b, u]) => (u === undefined ? [] : [[b, absoluteUrl(u)]])),
    );
    const ort = options.ortWasmPaths === undefined ? undefined : directoryUrl(options.ortWasmPaths);
    const providers = options.executionProviders ?? [...DEFAULT_PROVIDERS];
    const { manifest, executionProvider, fallbacks } = await running(
      remote.load(directoryUrl(url), providers, { jpvae, ort }),
    );
    return {
      manifest,
      executionProvider,
      fallbacks,
      async impute(rows, opts) {
        if (over) throw over;
        const request = imputeRequest(manifest, rows, opts);
        // Its rows are copies, or with `transfer` the caller's arrays given away: each buffer is sent once.
        const buffers = new Set([...request.rows, ...(request.design ? [request.design] : [])].map((x) => x.buffer));
        return running(remote.impute(transfer(request, [...buffers])));
      },
      async close() {
        if (over) return;
        over = new Error('imputer: closed; create another imputer to impute again');
        stop(over);
        remote[releaseProxy]();
        await terminate();
      },
    };
  } catch (e) {
    await terminate();
    throw e;
  }
}

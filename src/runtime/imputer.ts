// createImputer: imputation from an exported model (jpvae export) in a
// worker, through onnxruntime-web (WebGPU or wasm) or jpvae's own wasm
// engine, so the caller's thread (a page's UI thread, a server's event
// loop) never runs inference. Rows go to the worker and results come back
// as transferred buffers, not copies.

import { releaseProxy, transfer, wrap, type Endpoint } from 'comlink';
import type { Manifest } from '../onnx/manifest.ts';
import { DEFAULT_PROVIDERS, type ExecutionProvider } from './execution-providers.ts';
import type { View, WorkerApi } from './worker.ts';
import type { DrawKind } from '../impute/impute.ts';

export type { ExecutionProvider, View, DrawKind };

export interface ImputerOptions {
  /**
   * Tried in order; the first that opens the graphs is used (default webgpu,
   * then wasm). 'jpvae-wasm' runs the graphs on jpvae's own compute core,
   * without loading onnxruntime.
   */
  executionProviders?: ExecutionProvider[];
  /** The worker script. Default: worker.ts beside this file in Node, worker.js beside the bundle in a browser. */
  workerUrl?: URL;
  /**
   * Where 'jpvae-wasm' finds jpvae's wasm builds (simd.wasm, relaxed.wasm),
   * when not at the package's own build/ (a bundle that copies them
   * elsewhere). The best build the engine validates is used.
   */
  wasm?: { simd?: string | URL; relaxed?: string | URL };
}

export interface Imputer {
  readonly manifest: Manifest;
  /** The execution provider the sessions run on. */
  readonly executionProvider: ExecutionProvider;
  /** Why each provider before it was passed over ("webgpu: …"). */
  readonly fallbacks: string[];
  /**
   * Impute a view from the views `given` (a view number, or several for an
   * M-view export). `rows`: the given view's rows (n×dim, in its own
   * units, as in the files the model was trained on), or one such array
   * per view of `given`, in its order. `target`: the view to fill in;
   * default the one view not given (the other view of a two-view export;
   * for M views it must be named unless every other view is given), and
   * the export must hold that imputer (manifest.imputers; `jpvae export
   * --subsets` adds subsets). Without `samples`: the mean imputation
   * (§2.7), n×dim_t, in the target's own units (probabilities for a
   * Bernoulli view). With samples = K: K draws per row from the model's
   * predictive distribution (manifest.draws), (n·K)×dim_t, each row's draws
   * together; `seed` makes them repeatable (the same seed gives the draws
   * of `jpvae impute --samples K --seed S`); a count view's draws are
   * counts from its Poisson or NB at each decoded latent draw, drawn here
   * as the library draws them; `draws: 'latent'` leaves a Gaussian view's
   * observation noise or a count view's counts out, as `jpvae impute
   * --draws latent` does.
   * A rows buffer is transferred to the worker when the array spans all of
   * it (it is detached here afterwards); pass a copy to keep it.
   */
  impute(
    rows: Float32Array | readonly Float32Array[],
    opts: { given: View | readonly View[]; target?: View; samples?: number; seed?: number; draws?: DrawKind },
  ): Promise<Float32Array>;
  /** End the worker. */
  close(): Promise<void>;
}

const inNode = typeof process !== 'undefined' && !!process.versions?.node;

/** The worker's endpoint, a way to end it, and a promise that rejects if the worker dies (so no call waits forever). */
interface Started {
  endpoint: Endpoint;
  terminate: () => unknown;
  died: Promise<never>;
}

async function startWorker(workerUrl?: URL): Promise<Started> {
  if (inNode) {
    const { MessageChannel, Worker } = await import('node:worker_threads');
    // A MessagePort is an EventTarget in Node, as comlink wants; a Worker is not.
    const { port1, port2 } = new MessageChannel();
    // The compiled package starts dist's worker.js as it is; run from the
    // TypeScript sources, a one-line script registers tsx's loader in the
    // new thread first, then imports worker.ts.
    const compiled = import.meta.url.endsWith('.js');
    const script = String(workerUrl ?? new URL(compiled ? './worker.js' : './worker.ts', import.meta.url));
    const boot = compiled
      ? `import(${JSON.stringify(script)})`
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(script)}); })`;
    const w = new Worker(boot, { eval: true, workerData: { port: port2 }, transferList: [port2] });
    const died = new Promise<never>((_, reject) =>
      w.on('error', (e) => reject(new Error(`imputer worker: ${e.message}`))),
    );
    return {
      endpoint: port1 as Endpoint,
      terminate: () => {
        port1.close();
        return w.terminate();
      },
      died,
    };
  }
  const w = new Worker(workerUrl ?? new URL('./worker.js', import.meta.url), { type: 'module' });
  const died = new Promise<never>((_, reject) =>
    w.addEventListener('error', (e) => reject(new Error(`imputer worker: ${e.message || 'failed to start'}`))),
  );
  return { endpoint: w, terminate: () => w.terminate(), died };
}

/** A URL, or in Node also a file path, as an absolute URL string. */
async function absoluteUrl(url: string | URL): Promise<string> {
  if (url instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url).href;
  if (inNode) return (await import('node:url')).pathToFileURL(url).href;
  return new URL(url, location.href).href;
}

/** The export directory as an absolute URL ending in '/'. */
async function directoryUrl(url: string | URL): Promise<string> {
  const href = await absoluteUrl(url);
  return href.endsWith('/') ? href : `${href}/`;
}

/** The wasm builds' URLs as absolute strings (what a worker message can carry). */
async function wasmUrls(wasm: ImputerOptions['wasm']): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [build, url] of Object.entries(wasm ?? {})) if (url !== undefined) out[build] = await absoluteUrl(url);
  return out;
}

/** Start a worker, load the export directory at `url` into it, and pick the execution provider. */
export async function createImputer(url: string | URL, options: ImputerOptions = {}): Promise<Imputer> {
  const { endpoint, terminate, died } = await startWorker(options.workerUrl);
  died.catch(() => {}); // observed through the races below
  const remote = wrap<WorkerApi>(endpoint);
  try {
    const providers = options.executionProviders ?? [...DEFAULT_PROVIDERS];
    const { manifest, executionProvider, fallbacks } = await Promise.race([
      remote.load(await directoryUrl(url), providers, await wasmUrls(options.wasm)),
      died,
    ]);
    return {
      manifest,
      executionProvider,
      fallbacks,
      impute(rows, { given, target, samples, seed, draws }) {
        const inputs = (rows instanceof Float32Array ? [rows] : [...rows]).map((x) =>
          x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : x.slice(),
        );
        // One buffer may back several arrays: each is sent once.
        const buffers = [...new Set(inputs.map((x) => x.buffer))];
        const views = typeof given === 'number' ? [given] : [...given];
        return Promise.race([remote.impute(transfer(inputs, buffers), views, target, samples, seed, draws), died]);
      },
      async close() {
        remote[releaseProxy]();
        await terminate();
      },
    };
  } catch (e) {
    await terminate();
    throw e;
  }
}

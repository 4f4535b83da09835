// The imputer's worker (a web Worker in the browser, a worker_threads
// Worker in Node): it owns the onnxruntime sessions, so no inference runs
// on the caller's thread. Exposed through comlink; see imputer.ts.

import * as ort from 'onnxruntime-web';
import { expose, transfer } from 'comlink';
import type { Manifest } from '../onnx/manifest.ts';
import { openSessions, type ExecutionProvider } from './execution-providers.ts';

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

/** n standard-normal values (Box–Muller): the noise the imputation graphs turn into conditional draws. */
function standardNormal(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let t = 0; t < n; t += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random())), a = 2 * Math.PI * Math.random();
    out[t] = r * Math.cos(a);
    if (t + 1 < n) out[t + 1] = r * Math.sin(a);
  }
  return out;
}

let loaded: { manifest: Manifest; byGiven: Record<View, ort.InferenceSession> } | undefined;

// onnxruntime-web runs one inference at a time per thread (overlapping
// run() calls fail), so calls that arrive while one runs wait their turn.
let queue: Promise<unknown> = Promise.resolve();
function inTurn<T>(f: () => Promise<T>): Promise<T> {
  const turn = queue.then(f);
  queue = turn.catch(() => {});
  return turn;
}

const api = {
  /** Fetch the manifest and both imputation graphs under `base` (a directory URL ending in '/'). */
  async load(base: string, providers: ExecutionProvider[]) {
    const manifest: Manifest = JSON.parse(new TextDecoder().decode(await readBytes(new URL('manifest.json', base))));
    const files = [manifest.graphs.impute_2_from_1.file, manifest.graphs.impute_1_from_2.file];
    const models = await Promise.all(files.map((f) => readBytes(new URL(f, base))));
    const { sessions, executionProvider, fallbacks } = await openSessions(ort, models, providers);
    loaded = { manifest, byGiven: { 1: sessions[0], 2: sessions[1] } };
    return { manifest, executionProvider, fallbacks };
  },

  /**
   * Rows of view `given` (n×dim) → Bernoulli means of the other view. Without
   * `samples`: the conditional mean, n×dim_i. With samples = K: K draws per
   * row, (n·K)×dim_i, row r's draws at rows r·K … r·K+K−1.
   */
  async impute(rows: Float32Array, given: View, samples?: number): Promise<Float32Array> {
    if (!loaded) throw new Error('imputer: load() first');
    if (given !== 1 && given !== 2) throw new Error(`imputer: given must be view 1 or 2, got ${given}`);
    const { manifest, byGiven } = loaded, target = (3 - given) as View;
    const dim = manifest.views[given - 1].dim, latent = manifest.views[target - 1].latent;
    const n = rows.length / dim, k = samples ?? 1;
    if (!Number.isInteger(n)) throw new Error(`imputer: ${rows.length} values are not whole rows of view ${given} (${dim} features each)`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`imputer: samples must be a positive integer, got ${samples}`);
    let x = rows;
    if (k > 1) {
      x = new Float32Array(n * k * dim);
      for (let r = 0; r < n * k; r++) x.set(rows.subarray(Math.floor(r / k) * dim, (Math.floor(r / k) + 1) * dim), r * dim);
    }
    const eps = samples === undefined ? new Float32Array(n * latent) : standardNormal(n * k * latent);
    const out = await inTurn(() => byGiven[given].run({
      [`x${given}`]: new ort.Tensor('float32', x, [n * k, dim]),
      [`eps${target}`]: new ort.Tensor('float32', eps, [n * k, latent]),
    }));
    const probs = out[`probs${target}`].data as Float32Array;
    return transfer(probs, [probs.buffer]);
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

// Execution providers chosen from a list with fallback, as onnxruntime-web
// does with its own list, but tried one at a time so that the caller learns
// which one took and why the ones before it did not. 'webgpu' and 'wasm'
// are onnxruntime-web's; 'jpvae-wasm' is jpvae's own engine over its
// compute core (graph-runner.ts), which needs no onnxruntime at all.

import type { Kernels } from '../core/kernels.ts';
import { GraphRunner } from './graph-runner.ts';

export type ExecutionProvider = 'webgpu' | 'wasm' | 'jpvae-wasm';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['webgpu', 'wasm', 'jpvae-wasm'];
export const DEFAULT_PROVIDERS: readonly ExecutionProvider[] = ['webgpu', 'wasm'];

type Ort = typeof import('onnxruntime-web');

/** Graphs opened on one provider: run one by index, on `rows` rows (every tensor is rows × columns). */
export interface Engine {
  run(graph: number, feeds: Record<string, Float32Array>, rows: number): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

/** How to reach each engine, loaded only when its provider is tried. */
export interface EngineLoaders {
  ort: () => Promise<Ort>;
  kernels: () => Promise<Kernels>;
}

async function openOrt(ort: Ort, models: Uint8Array[], ep: 'webgpu' | 'wasm'): Promise<Engine> {
  const opened = await Promise.allSettled(
    models.map((m) => ort.InferenceSession.create(m, { executionProviders: [ep] })),
  );
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (sessions.length < models.length) {
    await Promise.all(sessions.map((s) => s.release())); // a provider that takes only some graphs is no use
    throw (opened.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return {
    async run(graph, feeds, rows) {
      const inputs = Object.fromEntries(
        Object.entries(feeds).map(([name, x]) => [name, new ort.Tensor('float32', x, [rows, x.length / rows])]),
      );
      const out = await sessions[graph].run(inputs);
      return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data as Float32Array]));
    },
    async release() {
      await Promise.all(sessions.map((s) => s.release()));
    },
  };
}

function openJpvae(k: Kernels, models: Uint8Array[]): Engine {
  const runners = models.map((m) => new GraphRunner(k, m));
  return { run: async (graph, feeds, rows) => runners[graph].run(feeds, rows), release: async () => {} };
}

/** Open every model on the first provider that takes all of them; `fallbacks` says why each one before it did not ("webgpu: …"). */
export async function openEngine(models: Uint8Array[], providers: readonly ExecutionProvider[], load: EngineLoaders) {
  const fallbacks: string[] = [];
  for (const ep of providers) {
    try {
      if (!EXECUTION_PROVIDERS.includes(ep))
        throw new Error(`unknown execution provider (expected ${EXECUTION_PROVIDERS.join(', ')})`);
      const engine =
        ep === 'jpvae-wasm' ? openJpvae(await load.kernels(), models) : await openOrt(await load.ort(), models, ep);
      return { engine, executionProvider: ep, fallbacks };
    } catch (e) {
      fallbacks.push(`${ep}: ${(e as Error).message ?? e}`);
    }
  }
  throw new Error(`no execution provider could run the model (${fallbacks.join('; ')})`);
}

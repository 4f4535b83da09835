// Execution providers chosen from a list with fallback, as onnxruntime-web
// does with its own list, but tried one at a time so that the caller learns
// which one took and why the ones before it did not.

import type { InferenceSession } from 'onnxruntime-web';

export type ExecutionProvider = 'webgpu' | 'wasm';
export const DEFAULT_PROVIDERS: readonly ExecutionProvider[] = ['webgpu', 'wasm'];

type Ort = typeof import('onnxruntime-web');

export interface Sessions {
  sessions: InferenceSession[]; // one per model, in order
  executionProvider: ExecutionProvider;
  fallbacks: string[]; // "webgpu: <why it failed>" for each provider passed over
}

/** Open every model on the first provider that takes all of them. */
export async function openSessions(ort: Ort, models: Uint8Array[], providers: readonly ExecutionProvider[]): Promise<Sessions> {
  const fallbacks: string[] = [];
  for (const ep of providers) {
    try {
      const sessions = await Promise.all(models.map((m) => ort.InferenceSession.create(m, { executionProviders: [ep] })));
      return { sessions, executionProvider: ep, fallbacks };
    } catch (e) {
      fallbacks.push(`${ep}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no execution provider could run the model (${fallbacks.join('; ')})`);
}

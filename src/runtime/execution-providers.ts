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
    const opened = await Promise.allSettled(models.map((m) => ort.InferenceSession.create(m, { executionProviders: [ep] })));
    const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    if (sessions.length === models.length) return { sessions, executionProvider: ep, fallbacks };
    await Promise.all(sessions.map((s) => s.release())); // a provider that takes only some graphs is no use
    const failure = opened.find((o) => o.status === 'rejected')!.reason as Error;
    fallbacks.push(`${ep}: ${failure.message}`);
  }
  throw new Error(`no execution provider could run the model (${fallbacks.join('; ')})`);
}

// Pick a compute backend by name: 'wasm' (the best build the engine
// validates), 'wasm-simd', 'wasm-relaxed', 'js' or 'js-f64'. Outside Node,
// `await initWasm()` first (see wasm.ts).

import { createJsKernels } from './js/index.ts';
import { createWasmKernels, pickBuild, relaxedAvailable, type WasmBuild } from './wasm.ts';
import type { BackendName, Kernels } from './kernels.ts';

export type BackendChoice = 'wasm' | 'wasm-simd' | 'wasm-relaxed' | 'js' | 'js-f64';
export const BACKENDS: readonly BackendChoice[] = ['wasm', 'wasm-simd', 'wasm-relaxed', 'js', 'js-f64'];

/** Every f32 backend this engine runs (the wasm builds it validates, then the js twin): the one list tests and benches race. */
export function availableBackends(): BackendName[] {
  return ['wasm-simd', ...(relaxedAvailable() ? ['wasm-relaxed' as const] : []), 'js'];
}

/** The wasm build a wasm backend runs ('wasm': the best the engine validates). */
export const wasmBuild = (backend: BackendChoice): WasmBuild =>
  backend === 'wasm' ? pickBuild() : backend === 'wasm-relaxed' ? 'relaxed' : 'simd';

/** With `threads`, a wasm backend's threads variant on a shared memory (same results; src/threads/ trains on it). */
export function createKernels(backend: BackendChoice = 'wasm', o: { threads?: boolean } = {}): Kernels {
  if (backend === 'js' || backend === 'js-f64') return createJsKernels(backend === 'js' ? 'f32' : 'f64');
  return createWasmKernels(wasmBuild(backend), o.threads ? {} : undefined);
}

export { initWasm, sharedMemoryAvailable, type WasmBuild, type WasmSource } from './wasm.ts';
export * from './kernels.ts';
export { Heap, type FloatArray } from './heap.ts';
